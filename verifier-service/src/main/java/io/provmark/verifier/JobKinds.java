package io.provmark.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.calibration.Calibration;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.stats.LogP;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Job kinds beyond detection. {@code attribute} runs the closed-model radioactivity test of core
 * {@link CorpusAttribution} over a suspect's answers (as {@code provmark attribute} does);
 * {@code calibrate} measures the realised false-positive rate of the profile's key on a human corpus
 * with core {@link Calibration} (as {@code provmark calibrate} does) and stores it as the profile's
 * latest calibration, which every later report cites. The statistics live in watermark-core; this
 * class validates options, feeds evidence in and turns results into report sections.
 *
 * <p>Field names inside the {@code attribution} and {@code calibration} sections are those of the
 * JSON that {@code provmark attribute} and {@code provmark calibrate} print, so an expert can
 * compare a service report with a CLI run field by field.
 */
final class JobKinds {
    static final String DETECT = "detect";
    static final String ATTRIBUTE = "attribute";
    static final String CALIBRATE = "calibrate";
    static final List<String> ALL = List.of(DETECT, ATTRIBUTE, CALIBRATE);
    /** Each control key is one full pass over the answers; bounded so one request cannot occupy a worker for hours. */
    static final int MAX_CONTROLS = 1000;
    private static final long MAX_SAFE = 1L << 53;

    /** Renews the job's lease with a progress value; throws when the job was cancelled or its lease lost. */
    interface Heartbeat {
        void beat(double progress) throws Exception;
    }

    /** What a job kind adds to a report: top-level report.json sections and extra files (inputs/...). */
    record Extra(Map<String, Object> sections, Map<String, byte[]> files) {
    }

    /** Attribution options after defaults, as stored in jobs.kind_options. */
    record AttributeOptions(int controls, Long controlSeed, boolean allKeys, double alpha, String promptsEvidenceId,
                            String referenceEvidenceId, String teacherEvidenceId, int minContextCount) {
        AttributeOptions {
            if (controls < 0 || controls > MAX_CONTROLS) {
                throw new ApiException(400, "options.controls must be in 0.." + MAX_CONTROLS + ", got " + controls);
            }
            if (!(alpha > 0 && alpha < 1)) {
                throw new ApiException(400, "options.alpha must be in (0, 1), got " + alpha);
            }
            if (minContextCount < 0) {
                throw new ApiException(400, "options.minContextCount must be >= 0, got " + minContextCount);
            }
            if (minContextCount > 0 && teacherEvidenceId == null) {
                throw new ApiException(400, "options.minContextCount needs options.teacherEvidenceId (our released outputs)");
            }
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("controls", controls);
            m.put("controlSeed", controlSeed);
            m.put("allKeys", allKeys);
            m.put("alpha", alpha);
            m.put("promptsEvidenceId", promptsEvidenceId);
            m.put("referenceEvidenceId", referenceEvidenceId);
            m.put("teacherEvidenceId", teacherEvidenceId);
            m.put("minContextCount", minContextCount);
            return m;
        }

        static AttributeOptions fromMap(Map<?, ?> m) {
            return new AttributeOptions(((Number) m.get("controls")).intValue(),
                    m.get("controlSeed") == null ? null : ((Number) m.get("controlSeed")).longValue(),
                    (Boolean) m.get("allKeys"), ((Number) m.get("alpha")).doubleValue(),
                    (String) m.get("promptsEvidenceId"), (String) m.get("referenceEvidenceId"),
                    (String) m.get("teacherEvidenceId"), ((Number) m.get("minContextCount")).intValue());
        }
    }

    /** The computation of attribution runs here so that the worker thread can keep renewing the lease. */
    private static final ExecutorService COMPUTE = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "provmark-attribution");
        t.setDaemon(true);
        return t;
    });

    private JobKinds() {
    }

    // ---------------------------------------------------------------- POST /api/jobs

    static String kind(JsonNode body) {
        String k = VerifierServer.text(body, "kind", false, 20);
        if (k.isEmpty()) {
            return DETECT;
        }
        if (!ALL.contains(k)) {
            throw new ApiException(400, "unknown job kind \"" + k + "\" (allowed: " + String.join(", ", ALL) + ")");
        }
        return k;
    }

    /**
     * Checks the evidence kind and the options of a new job; returns the options to store (canonical
     * JSON) or null when the kind has none.
     */
    static String checkJob(VerifierServer s, String kind, String evidenceKind, JsonNode options, String caseId) {
        JsonNode opts = options == null || options.isNull() ? null : options;
        if (opts != null && !opts.isObject()) {
            throw new ApiException(400, "field \"options\" must be a JSON object");
        }
        switch (kind) {
            case DETECT:
                if (!EvidenceParser.TOKEN_IDS.equals(evidenceKind) && !EvidenceParser.TEXT.equals(evidenceKind)
                        && !ProbeEvidence.KIND.equals(evidenceKind)) {
                    throw new ApiException(422, "a detect job needs token-ids, text or probe-run evidence, not " + evidenceKind);
                }
                noOptions(kind, opts);
                return null;
            case CALIBRATE:
                if (!CorpusEvidence.KIND.equals(evidenceKind) && !EvidenceParser.TOKEN_IDS.equals(evidenceKind)) {
                    throw new ApiException(422, "a calibrate job needs a human-written corpus (evidence kind corpus or token-ids),"
                            + " not " + evidenceKind);
                }
                noOptions(kind, opts);
                return null;
            case ATTRIBUTE:
                if (!EvidenceParser.TOKEN_IDS.equals(evidenceKind) && !ProbeEvidence.KIND.equals(evidenceKind)) {
                    throw new ApiException(422, "an attribute job needs the suspect's answers as token-ids or probe-run evidence (JSONL), not "
                            + evidenceKind);
                }
                AttributeOptions o = attributeOptions(s, opts, caseId);
                return new String(Jcs.canonicalize(o.toMap()), java.nio.charset.StandardCharsets.UTF_8);
            default:
                throw new ApiException(400, "unknown job kind \"" + kind + "\"");
        }
    }

    private static void noOptions(String kind, JsonNode opts) {
        if (opts != null && opts.size() > 0) {
            throw new ApiException(400, "a " + kind + " job takes no options, got \"" + opts.fieldNames().next() + "\"");
        }
    }

    private static AttributeOptions attributeOptions(VerifierServer s, JsonNode o, String caseId) {
        List<String> allowed = List.of("controls", "controlSeed", "allKeys", "alpha", "promptsEvidenceId",
                "referenceEvidenceId", "teacherEvidenceId", "minContextCount");
        if (o != null) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!allowed.contains(f)) {
                    throw new ApiException(400, "unknown option \"" + f + "\" for an attribute job (allowed: "
                            + String.join(", ", allowed) + ")");
                }
            }
        }
        int controls = (int) integer(o, "controls", 20, 0, MAX_CONTROLS);
        Long seed = o != null && o.has("controlSeed") && !o.get("controlSeed").isNull()
                ? integer(o, "controlSeed", 0, -MAX_SAFE, MAX_SAFE) : null;
        boolean allKeys = true;
        if (o != null && o.has("allKeys")) {
            if (!o.get("allKeys").isBoolean()) {
                throw new ApiException(400, "options.allKeys must be true or false");
            }
            allKeys = o.get("allKeys").booleanValue();
        }
        double alpha = 0.001;
        if (o != null && o.has("alpha")) {
            if (!o.get("alpha").isNumber()) {
                throw new ApiException(400, "options.alpha must be a number in (0, 1)");
            }
            alpha = o.get("alpha").doubleValue();
        }
        String prompts = auxEvidence(s, o, "promptsEvidenceId", caseId);
        String reference = auxEvidence(s, o, "referenceEvidenceId", caseId);
        String teacher = auxEvidence(s, o, "teacherEvidenceId", caseId);
        int minCount = (int) integer(o, "minContextCount", teacher == null ? 0 : 2, 0, Integer.MAX_VALUE);
        return new AttributeOptions(controls, seed, allKeys, alpha, prompts, reference, teacher, minCount);
    }

    private static long integer(JsonNode o, String field, long dflt, long min, long max) {
        if (o == null || !o.has(field) || o.get(field).isNull()) {
            return dflt;
        }
        JsonNode v = o.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw new ApiException(400, "options." + field + " must be an integer in " + min + ".." + max + ", got " + v);
        }
        return v.longValue();
    }

    /** An auxiliary evidence id: must exist, belong to the case and be token-ids JSONL. */
    private static String auxEvidence(VerifierServer s, JsonNode o, String field, String caseId) {
        if (o == null || !o.has(field) || o.get(field).isNull()) {
            return null;
        }
        if (!o.get(field).isTextual() || o.get(field).textValue().length() > 64) {
            throw new ApiException(400, "options." + field + " must be an evidence id (string)");
        }
        String id = o.get(field).textValue();
        Map<String, Object> ev = s.db.jdbi.withHandle(h -> h.createQuery("SELECT kind, case_id FROM evidence WHERE id = :id")
                .bind("id", id).mapToMap().findOne()).orElseThrow(() -> new ApiException(404, "unknown evidence " + id
                + " (options." + field + ")"));
        if (!caseId.equals(ev.get("case_id"))) {
            throw new ApiException(422, "evidence " + id + " (options." + field + ") does not belong to case " + caseId);
        }
        if (!EvidenceParser.TOKEN_IDS.equals(ev.get("kind"))) {
            throw new ApiException(422, "evidence " + id + " (options." + field + ") must be token-ids JSONL, not " + ev.get("kind"));
        }
        return id;
    }

    // ---------------------------------------------------------------- while a job runs

    /** Share of the progress bar the per-record scoring loop takes; attribution needs the rest. */
    static double loopShare(Map<String, Object> job) {
        return ATTRIBUTE.equals(kindOf(job)) ? 0.3 : 0.9;
    }

    static String kindOf(Map<String, Object> job) {
        Object k = job.get("kind");
        return k == null ? DETECT : (String) k;
    }

    /**
     * The records the per-record scoring loop sees: a corpus is tokenized with the profile's tokenizer;
     * a calibration scores each document on its own, without prompt context, as {@code provmark calibrate}.
     */
    static List<EvidenceParser.Item> items(Map<String, Object> job, String evidenceKind, byte[] data, Profile profile,
                                           List<EvidenceParser.Item> parsed) {
        if (CorpusEvidence.KIND.equals(evidenceKind)) {
            return CorpusEvidence.tokenize(data, profile);
        }
        if (ProbeEvidence.KIND.equals(evidenceKind)) {
            return ProbeEvidence.tokenize(data, profile);
        }
        if (CALIBRATE.equals(kindOf(job))) {
            List<EvidenceParser.Item> out = new ArrayList<>();
            for (EvidenceParser.Item it : parsed) {
                out.add(new EvidenceParser.Item(it.id(), it.tokens(), new int[0]));
            }
            return out;
        }
        return parsed;
    }

    /** Runs the kind's own analysis after the per-record loop and returns its report sections. */
    static Extra after(VerifierServer s, Map<String, Object> job, Map<String, Object> ev, Map<String, Object> prof,
                       Profile profile, WatermarkKey key, List<EvidenceParser.Item> items, List<Evidence> results,
                       Heartbeat beat) throws Exception {
        String kind = kindOf(job);
        Map<String, Object> sections = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        sections.put("kind", kind);
        switch (kind) {
            case ATTRIBUTE:
                attribution(s, job, ev, profile, key, items, beat, sections, files);
                sections.put("calibration", citedCalibration(s, (String) prof.get("sha256")));
                break;
            case CALIBRATE:
                sections.put("question", "How often does text written without key " + key.id() + " get p <= alpha under this"
                        + " profile (realised false-positive rate on the submitted human-written corpus)?");
                sections.put("calibration", calibration(s, job, ev, prof, key, items, results));
                break;
            default:
                sections.put("calibration", citedCalibration(s, (String) prof.get("sha256")));
        }
        return new Extra(sections, files);
    }

    // ---------------------------------------------------------------- attribution

    private static void attribution(VerifierServer s, Map<String, Object> job, Map<String, Object> ev, Profile profile,
                                    WatermarkKey key, List<EvidenceParser.Item> items, Heartbeat beat,
                                    Map<String, Object> sections, Map<String, byte[]> files) throws Exception {
        String stored = (String) job.get("kind_options");
        // a row without options (written by hand or an older writer) gets the documented defaults
        AttributeOptions o = stored == null ? new AttributeOptions(20, null, true, 0.001, null, null, null, 0)
                : AttributeOptions.fromMap(VerifierServer.JSON.readValue(stored, Map.class));
        List<CorpusAttribution.Answer> answers = answers(items);
        List<Map<String, Object>> auxInputs = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        if (o.promptsEvidenceId() != null) {
            for (EvidenceParser.Item it : aux(s, o.promptsEvidenceId(), "prompts", profile, auxInputs, files)) {
                prompts.add(it.tokens());
                if (it.prompt().length > 0) {
                    prompts.add(it.prompt());
                }
            }
        }
        List<CorpusAttribution.Answer> reference = o.referenceEvidenceId() == null ? null
                : answers(aux(s, o.referenceEvidenceId(), "reference", profile, auxInputs, files));
        List<CorpusAttribution.Answer> teacher = o.teacherEvidenceId() == null ? null
                : answers(aux(s, o.teacherEvidenceId(), "teacher-outputs", profile, auxInputs, files));
        List<WatermarkKey> keys = new ArrayList<>();
        keys.add(key);
        if (o.allKeys()) {
            for (WatermarkKey k : s.keyset.keys()) {
                if (!k.id().equals(key.id())) {
                    keys.add(k);
                }
            }
        }
        // Prompt exclusion is always on in the service: switching it off only serves to demonstrate the
        // prompt-copy trap (docs/attribution.md) and would let a report accuse a model that quoted our prompts.
        CorpusAttribution.Options options = new CorpusAttribution.Options(true, o.minContextCount(), o.controls(), o.controlSeed());
        CorpusAttribution ca = new CorpusAttribution(profile, options);
        beat.beat(0.35);
        Future<CorpusAttribution.Report> f = COMPUTE.submit(() -> ca.run(keys, answers, prompts, teacher, reference, o.alpha()));
        CorpusAttribution.Report r;
        try {
            r = await(f, s.config.leaseMillis, beat);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                throw new ApiException(422, "attribution: " + e.getCause().getMessage());
            }
            throw e;
        }
        beat.beat(0.9);
        sections.put("question", "Did the model that produced the submitted answers learn from outputs watermarked with key "
                + key.id() + (keys.size() > 1 ? " or another key of the keyset (per-key, Holm-corrected)" : "")
                + ", beyond what chance explains?");
        sections.put("attribution", attributionJson(r, profile, o, keys, ev, items.size(), auxInputs));
    }

    /** Waits for the computation while renewing the lease; a cancel abandons it (its result is discarded). */
    private static <T> T await(Future<T> f, long leaseMillis, Heartbeat beat) throws Exception {
        long tick = Math.max(50, Math.min(1000, leaseMillis / 4));
        while (true) {
            try {
                return f.get(tick, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                try {
                    beat.beat(0.35);
                } catch (Exception stop) {
                    f.cancel(true);
                    throw stop;
                }
            } catch (InterruptedException e) {
                f.cancel(true);
                throw e;
            }
        }
    }

    private static List<CorpusAttribution.Answer> answers(List<EvidenceParser.Item> items) {
        List<CorpusAttribution.Answer> out = new ArrayList<>(items.size());
        for (EvidenceParser.Item it : items) {
            out.add(new CorpusAttribution.Answer(it.id(), it.tokens(), it.prompt()));
        }
        return out;
    }

    /** Loads an auxiliary token-ids evidence, checks its hash and vocabulary, and adds it to the report's inputs/. */
    private static List<EvidenceParser.Item> aux(VerifierServer s, String evidenceId, String role, Profile profile,
                                                 List<Map<String, Object>> auxInputs, Map<String, byte[]> files) throws IOException {
        Map<String, Object> ev = s.db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM evidence WHERE id = :id")
                .bind("id", evidenceId).mapToMap().one());
        String sha = (String) ev.get("sha256");
        byte[] data = Files.readAllBytes(s.evidenceDir.resolve(sha));
        if (!ReportFiles.sha256(data).equals(sha)) {
            throw new ApiException(500, "stored evidence " + sha + " no longer matches its SHA-256; refusing to report");
        }
        List<EvidenceParser.Item> items = EvidenceParser.parse(EvidenceParser.TOKEN_IDS, data);
        for (EvidenceParser.Item it : items) {
            for (int[] a : new int[][] {it.tokens(), it.prompt()}) {
                for (int t : a) {
                    if (t >= profile.vocabSize()) {
                        throw new ApiException(422, role + " evidence " + evidenceId + " record " + it.id() + ": token id " + t
                                + " is outside the profile's vocabulary (vocab_size " + profile.vocabSize() + ")");
                    }
                }
            }
        }
        String file = ReportFiles.INPUTS_DIR + "/" + sha + ".jsonl";
        files.put(file, data);
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("role", role);
        in.put("evidenceId", evidenceId);
        in.put("name", ev.get("name"));
        in.put("file", file);
        in.put("sha256", sha);
        in.put("records", items.size());
        auxInputs.add(in);
        return items;
    }

    private static Map<String, Object> attributionJson(CorpusAttribution.Report r, Profile profile, AttributeOptions o,
                                                       List<WatermarkKey> keys, Map<String, Object> ev, int records,
                                                       List<Map<String, Object>> auxInputs) {
        CorpusAttribution.StreamResult m = r.main();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("method", "closed-model radioactivity test (Sander et al., Watermarking Makes Language Models Radioactive):"
                + " all answers scored as one stream with one dedup tape (a tuple counts once in the corpus), every tuple"
                + " occurring in any prompt excluded, exact p-value under the scheme's null over the total count and sum;"
                + " controls under fresh random keys; every tested key Holm-corrected");
        a.put("verdict", r.attributedKeys().isEmpty() ? "not attributed" : "attributed");
        a.put("key_id", m.keyId());
        a.put("num_answers", m.numAnswers());
        a.put("num_tokens", m.numTokens());
        a.put("num_scored", m.numScored());
        a.put("num_filtered", m.numFiltered());
        a.put("statistic_name", m.statisticName());
        a.put("statistic", num(m.statistic()));
        a.put("p_value", num(m.pValue()));
        a.put("log10_p_value", num(m.log10PValue()));
        a.put("z", num(m.z()));
        a.put("exact", m.exact());
        List<Object> curve = new ArrayList<>();
        for (CorpusAttribution.CurvePoint c : m.curve()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("answers", c.answers());
            p.put("num_scored", c.numScored());
            p.put("log10_p_value", num(c.log10PValue()));
            curve.add(p);
        }
        a.put("curve", curve);
        Map<String, Object> controls = new LinkedHashMap<>();
        if (r.controls() != null) {
            CorpusAttribution.Controls c = r.controls();
            Map<String, Object> rk = new LinkedHashMap<>();
            rk.put("m", c.m());
            List<Object> ps = new ArrayList<>();
            for (double p : c.pValues()) {
                ps.add(num(p));
            }
            rk.put("p_values", ps);
            rk.put("ks_statistic", num(c.ks().statistic()));
            rk.put("ks_p_value", num(c.ks().pValue()));
            rk.put("ks_exact", c.ks().exact());
            rk.put("empirical_p_value", num(c.empiricalPValue()));
            controls.put("random_keys", rk);
        } else {
            controls.put("random_keys", null);
        }
        if (r.reference() != null) {
            List<Object> ref = new ArrayList<>();
            for (CorpusAttribution.StreamResult sr : r.reference()) {
                ref.add(stream(sr, keys));
            }
            controls.put("reference", ref);
        } else {
            controls.put("reference", null);
        }
        a.put("controls", controls);
        List<Object> per = new ArrayList<>();
        for (CorpusAttribution.KeyResult k : r.perKey()) {
            Map<String, Object> e = stream(k.result(), keys);
            e.put("holm_p_value", num(LogP.toP(k.holmLnPValue())));
            e.put("holm_log10_p_value", num(k.holmLog10PValue()));
            e.put("attributed", k.attributed());
            per.add(e);
        }
        a.put("per_key", per);
        a.put("attributed_keys", r.attributedKeys());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("scheme", profile.scheme());
        params.put("context_width", profile.contextWidth());
        params.put("dedup", profile.dedup().wire());
        params.put("dedup_scope", "corpus");
        params.put("prompt_exclusion", r.options().excludePrompts());
        params.put("min_context_count", r.options().minContextCount());
        params.put("controls", r.options().controls());
        params.put("control_seed", r.options().controlSeed());
        params.put("alpha", r.alpha());
        params.put("all_keys", o.allKeys());
        params.put("multiple_testing", "holm");
        a.put("parameters", params);
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("answers_file_sha256", "sha256:" + ev.get("sha256"));
        inputs.put("answers_canonical_sha256", r.answersSha256());
        inputs.put("answers_records", records);
        for (Map<String, Object> in : auxInputs) {
            inputs.put(in.get("role").toString().replace('-', '_') + "_file_sha256", "sha256:" + in.get("sha256"));
        }
        inputs.put("auxiliary", auxInputs);
        inputs.put("num_prompt_identities", r.numPromptIdentities());
        inputs.put("num_frequent_contexts", r.numFrequentContexts());
        a.put("inputs", inputs);
        return a;
    }

    private static Map<String, Object> stream(CorpusAttribution.StreamResult sr, List<WatermarkKey> keys) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("key_id", sr.keyId());
        for (WatermarkKey k : keys) {
            if (k.id().equals(sr.keyId())) {
                e.put("key_fingerprint", k.fingerprint());
            }
        }
        e.put("num_answers", sr.numAnswers());
        e.put("num_scored", sr.numScored());
        e.put("statistic", num(sr.statistic()));
        e.put("p_value", num(sr.pValue()));
        e.put("log10_p_value", num(sr.log10PValue()));
        return e;
    }

    // ---------------------------------------------------------------- calibration

    private static Map<String, Object> calibration(VerifierServer s, Map<String, Object> job, Map<String, Object> ev,
                                                   Map<String, Object> prof, WatermarkKey key,
                                                   List<EvidenceParser.Item> items, List<Evidence> results) {
        List<Calibration.Sample> samples = new ArrayList<>(results.size());
        long tokens = 0;
        for (int i = 0; i < results.size(); i++) {
            samples.add(new Calibration.Sample(results.get(i).numScored(), results.get(i).lnPValue()));
            tokens += items.get(i).tokens().length;
        }
        Calibration.Result res = Calibration.compute(samples);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("measured", true);
        c.put("report", "provmark-calibration-v1");
        c.put("job_id", job.get("id"));
        c.put("date", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        c.put("key_id", key.id());
        c.put("key_fingerprint", key.fingerprint());
        c.put("profile_sha256", prof.get("sha256"));
        Map<String, Object> corpus = new LinkedHashMap<>();
        corpus.put("evidence_id", ev.get("id"));
        corpus.put("file", ev.get("name"));
        corpus.put("sha256", ev.get("sha256"));
        corpus.put("documents", results.size());
        corpus.put("tokens", tokens);
        c.put("corpus", corpus);
        c.put("confidence", res.confidence());
        c.put("consistent", res.overallConsistent());
        c.put("overall", row(res.overall()));
        List<Object> buckets = new ArrayList<>();
        for (Calibration.Row r : res.buckets()) {
            buckets.add(row(r));
        }
        c.put("buckets", buckets);
        String json = new String(Jcs.canonicalize(c), java.nio.charset.StandardCharsets.UTF_8);
        // written before the report is renamed into place; cited only once the job is 'done' (see citedCalibration)
        s.db.jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM calibrations WHERE job_id = :j").bind("j", job.get("id")).execute();
            h.createUpdate("INSERT INTO calibrations (job_id, profile_sha256, corpus_sha256, json, created_at)"
                            + " VALUES (:j, :p, :c, :json, :t)")
                    .bind("j", job.get("id")).bind("p", prof.get("sha256")).bind("c", ev.get("sha256"))
                    .bind("json", json).bind("t", System.currentTimeMillis()).execute();
        });
        return c;
    }

    private static Map<String, Object> row(Calibration.Row r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("bucket", r.bucket());
        o.put("min_scored", r.minScored());
        o.put("max_scored", r.maxScored() >= 0 ? (Object) r.maxScored() : null);
        o.put("documents", r.documents());
        List<Object> levels = new ArrayList<>();
        for (Calibration.Level l : r.levels()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("alpha", l.alpha());
            x.put("rejections", l.rejections());
            x.put("fpr", Double.isNaN(l.fpr()) ? null : (Object) l.fpr());
            x.put("ci_lower", num(l.ciLower()));
            x.put("ci_upper", num(l.ciUpper()));
            x.put("p_exceeds", num(l.pExceeds()));
            x.put("log10_p_exceeds", num(LogP.toLog10(l.lnPExceeds())));
            x.put("consistent", l.consistent());
            levels.add(x);
        }
        o.put("levels", levels);
        return o;
    }

    /**
     * The profile's latest finished calibration (the key's measured FPR on human text), or
     * {@code {"measured": false}}. Only calibrations whose job is done count.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> citedCalibration(VerifierServer s, String profileSha256) throws IOException {
        java.util.Optional<String> json = s.db.jdbi.withHandle(h -> h.createQuery("SELECT c.json FROM calibrations c"
                        + " JOIN jobs j ON j.id = c.job_id WHERE c.profile_sha256 = :p AND j.state = 'done'"
                        + " ORDER BY j.finished_at DESC, c.created_at DESC LIMIT 1")
                .bind("p", profileSha256).mapTo(String.class).findOne());
        if (json.isEmpty()) {
            Map<String, Object> none = new LinkedHashMap<>();
            none.put("measured", false);
            none.put("note", "no calibration job has finished for this profile: its false-positive rate on human text"
                    + " has not been measured by this service");
            return none;
        }
        return VerifierServer.JSON.readValue(json.get(), Map.class);
    }

    /** A finite double as a number; an infinite one (a p-value below any double) as a string, never NaN. */
    private static Object num(double d) {
        return Double.isFinite(d) ? (Object) d : (Object) Double.toString(d);
    }
}
