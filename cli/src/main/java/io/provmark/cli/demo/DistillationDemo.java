package io.provmark.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.cli.probe.ProbeJournal;
import io.provmark.cli.probe.ProbePrompt;
import io.provmark.cli.probe.ProbeSettings;
import io.provmark.cli.probe.Prober;
import io.provmark.cli.serve.OpenAiServer;
import io.provmark.cli.serve.ServedModel;
import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.stats.LogP;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The end-to-end distillation-attribution job behind {@code provmark demo}, all on loopback:
 * <ol>
 *   <li>human text (the embedded King James slice) tokenized with cl100k_base, split into disjoint parts;</li>
 *   <li>a teacher (Kneser-Ney, order 3) served with the serve-model server, per-account keys: one key per
 *       account cohort, red-green watermark on;</li>
 *   <li>a distiller harvests answers through the real probe client from the accounts of a few cohorts;</li>
 *   <li>a student trained on ρ teacher answers + (1 − ρ) human text (Kneser-Ney of another order) and a clean
 *       student (the same human text only), both served and probed with our own prompts;</li>
 *   <li>both students attributed with {@link CorpusAttribution}: every cohort key, Holm, random-key controls,
 *       prompt exclusion on.</li>
 * </ol>
 * Every file it writes goes under the output directory; {@code SHA256SUMS} lists them all.
 */
public final class DistillationDemo {
    /** Tokenizer of teacher, students and profile: a bundled jtokkit encoding (no network). */
    public static final String TOKENIZER = "r50k_base";
    /** Teacher order (the built-in model is order 3). */
    public static final int TEACHER_ORDER = 3;
    /** Student order: another order than the teacher's. */
    public static final int STUDENT_ORDER = 2;
    /** The marker file of a finished or partial demo output (lets --force clear only demo outputs). */
    public static final String SUMMARY = "demo-summary.json";
    public static final String MANIFEST = "SHA256SUMS";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Sizes of one run.
     *
     * @param teacherDocs   human documents the teacher trains on
     * @param studentDocs   human documents both students train on (disjoint from the teacher's)
     * @param probePrompts  our prompts sent to each student (disjoint from every training document)
     * @param answerTokens  max_tokens of every answer (teacher and students)
     * @param rho           fraction of the distilled student's training tokens that are teacher answers
     * @param cohorts       account cohorts, one watermark key each
     * @param fedCohorts    cohorts whose accounts the distiller harvests through
     * @param controls      random control keys
     * @param alpha         level of the per-key verdicts (Holm across the cohort keys)
     * @param delta         red-green bias δ of the teacher's watermark (γ = 0.25, context width 1)
     */
    public record Sizes(int teacherDocs, int studentDocs, int probePrompts, int answerTokens, double rho,
                        int cohorts, int fedCohorts, int controls, double alpha, double delta) {
        public Sizes {
            if (!(delta > 0 && delta <= 10)) {
                throw new IllegalArgumentException("delta must be in (0, 10], got " + delta);
            }
            if (teacherDocs < 10 || studentDocs < 10) {
                throw new IllegalArgumentException("need at least 10 teacher and 10 student documents");
            }
            if (probePrompts < 1 || answerTokens < 1) {
                throw new IllegalArgumentException("need at least one probe prompt and one answer token");
            }
            if (!(rho > 0 && rho < 1)) {
                throw new IllegalArgumentException("rho must be in (0, 1), got " + rho);
            }
            if (cohorts < 1 || fedCohorts < 1 || fedCohorts > cohorts || cohorts > 99) {
                throw new IllegalArgumentException("need 1 <= fed cohorts <= cohorts <= 99");
            }
            if (controls < 0 || !(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("controls must be >= 0 and alpha in (0, 1)");
            }
        }

        /**
         * The full demo (a few minutes on 2 cores). One of 10 cohorts feeds the student: at ρ = 5% split over
         * k fed cohorts each key's signal is ρ/k, and the answers needed grow as k² (docs/attribution.md).
         */
        public static Sizes full() {
            return new Sizes(1400, 1400, 1000, 200, 0.05, 10, 1, 20, 1e-3, 4.0);
        }

        /**
         * Smaller sizes for tests (about a minute). ρ = 10%: at ρ = 5% these sizes give the fed key only
         * z ≈ 5 (measured), a ~10% chance to miss Holm α = 1e-3; ρ = 5% needs the full sizes.
         */
        public static Sizes quick() {
            return new Sizes(700, 700, 300, 80, 0.10, 10, 1, 20, 1e-3, 4.0);
        }
    }

    /** One student's verdict and where its evidence lies. */
    public record StudentVerdict(String name, double rho, int order, long trainingTokens, long teacherTokens,
                                 boolean attributed, double pValue, double log10PValue, long numScored,
                                 List<String> attributedKeys, int controls, double controlsMinP, double ksPValue,
                                 double empiricalPValue, Path probeRecords, Path answers, Path attribution) {
    }

    /** What a run found. */
    public record Outcome(StudentVerdict distilled, StudentVerdict clean, List<String> fedKeys, List<String> allKeys,
                          boolean asExpected, String problem, Path outDir, String corpus) {
    }

    private final Path out;
    private final long seed;
    private final Sizes sizes;
    private final PrintStream log;
    private final long t0 = System.nanoTime();

    public DistillationDemo(Path out, long seed, Sizes sizes, PrintStream log) {
        this.out = Objects.requireNonNull(out, "out");
        this.seed = seed;
        this.sizes = Objects.requireNonNull(sizes, "sizes");
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Prepares the output directory: creates it, or accepts it empty; a non-empty one only with {@code force}
     * and only when it holds an earlier demo's output (its {@value #SUMMARY} or {@value #MANIFEST}), which is
     * then cleared. Returns null when fine, else a message.
     */
    public static String prepareOut(Path out, boolean force) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            return "--out " + out + " exists and is not a directory";
        }
        if (Files.isDirectory(out)) {
            boolean empty;
            try (Stream<Path> s = Files.list(out)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty) {
                if (!force) {
                    return "--out " + out + " is not empty; use --force to replace an earlier demo's output, or"
                            + " another --out";
                }
                if (!Files.exists(out.resolve(SUMMARY)) && !Files.exists(out.resolve(MANIFEST))) {
                    return "--out " + out + " is not empty and does not hold an earlier demo's output (no " + SUMMARY
                            + "); refusing to delete it even with --force";
                }
                deleteContents(out);
            }
        }
        Files.createDirectories(out);
        return null;
    }

    private static void deleteContents(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = new ArrayList<>(s.filter(p -> !p.equals(dir)).toList());
        }
        Collections.reverse(all); // children before parents
        for (Path p : all) {
            Files.delete(p);
        }
    }

    /** Runs every stage; the output directory must have been prepared. */
    public Outcome run() throws IOException, InterruptedException {
        // marker first: a run that dies half-way leaves an output that --force may replace
        ObjectNode running = JSON.createObjectNode().put("format", "provmark-demo-v1").put("seed", seed)
                .put("status", "incomplete: the run did not finish");
        Files.writeString(out.resolve(SUMMARY), JSON.writeValueAsString(running) + "\n", StandardCharsets.UTF_8);
        SplittableRandom rnd = new SplittableRandom(seed);
        TextTokenizer tok = Tokenizers.byId(TOKENIZER);

        // 1. human text, split into disjoint parts
        List<DemoCorpus.Doc> docs = new ArrayList<>(DemoCorpus.load());
        int harvestPool = 300; // harvest prompts; the ρ of these sizes needs under 100
        int need = sizes.teacherDocs() + sizes.studentDocs() + sizes.probePrompts() + harvestPool;
        if (docs.size() < need) {
            throw new IllegalStateException("the demo corpus has " + docs.size() + " documents; these sizes need " + need);
        }
        shuffle(docs, rnd);
        int at = 0;
        List<DemoCorpus.Doc> teacherDocs = docs.subList(at, at += sizes.teacherDocs());
        List<DemoCorpus.Doc> studentDocs = docs.subList(at, at += sizes.studentDocs());
        List<DemoCorpus.Doc> probeDocs = docs.subList(at, at += sizes.probePrompts());
        List<DemoCorpus.Doc> harvestDocs = docs.subList(at, at + harvestPool);
        List<int[]> teacherTokens = encodeAll(tok, teacherDocs);
        List<int[]> humanTokens = encodeAll(tok, studentDocs);
        long humanCount = count(humanTokens);
        stage(1, "human text: King James Bible (Genesis 1:1 - Psalms 119:100, embedded), " + docs.size()
                + " documents of " + DemoCorpus.VERSES_PER_DOC + " verses; teacher " + teacherDocs.size() + " docs ("
                + count(teacherTokens) + " tokens), students " + studentDocs.size() + " docs (" + humanCount
                + " tokens), " + sizes.probePrompts() + " probe prompts; tokenizer " + TOKENIZER);

        // 2. teacher and cohort keys
        KneserNeyModel teacher = KneserNeyModel.train(teacherTokens, tok.vocabSize(), TEACHER_ORDER, tok.id(),
                tok.vocabularySha256());
        Path models = Files.createDirectories(out.resolve("models"));
        teacher.save(models.resolve("teacher-kn" + TEACHER_ORDER + ".bin"));
        List<WatermarkKey> keys = new ArrayList<>();
        for (int c = 1; c <= sizes.cohorts(); c++) {
            keys.add(WatermarkKey.generate(String.format(Locale.ROOT, "cohort-%02d", c)));
        }
        Keyset keyset = new Keyset(keys.get(0).id(), keys);
        char[] pass = randomSecret();
        KeysetFile.write(out.resolve("keyset.pmk"), keyset, pass);
        writeOwnerOnly(out.resolve("keyset.passphrase"), new String(pass) + "\n");
        java.util.Arrays.fill(pass, '\0');
        Profile defaults = Profile.defaults(RedGreenParams.SCHEME, keyset.primaryId(), TOKENIZER, tok.vocabSize());
        Profile profile = new Profile(defaults.scheme(), new RedGreenParams(0.25, sizes.delta(),
                RedGreenParams.Seeding.LEFT_HASH), defaults.prf(), 1, TOKENIZER, tok.vocabSize(), keyset.primaryId(),
                defaults.dedup(), defaults.scorePartialContext(), defaults.eosTokenId());
        Files.writeString(out.resolve("profile.json"), ProfileJson.write(profile) + "\n", StandardCharsets.UTF_8);
        List<Integer> cohortIdx = new ArrayList<>();
        for (int c = 0; c < sizes.cohorts(); c++) {
            cohortIdx.add(c);
        }
        shuffle(cohortIdx, rnd);
        List<Integer> fed = new ArrayList<>(new TreeSet<>(cohortIdx.subList(0, sizes.fedCohorts())));
        List<String> fedKeys = new ArrayList<>();
        for (int c : fed) {
            fedKeys.add(keys.get(c).id());
        }
        stage(2, "teacher: Kneser-Ney order " + TEACHER_ORDER + " (" + teacher.ngrams(TEACHER_ORDER) + " "
                + TEACHER_ORDER + "-grams); watermark red-green gamma 0.25 delta "
                + sizes.delta() + ", context 1; keyset of "
                + sizes.cohorts() + " cohort keys in keyset.pmk (passphrase in keyset.passphrase, owner-only, never"
                + " printed); profile.json");

        // 3. serve the teacher with per-account keys; the distiller harvests through the fed cohorts' accounts
        Map<String, ServedModel> accounts = new LinkedHashMap<>();
        Map<Integer, String> apiKeys = new LinkedHashMap<>();
        ArrayNode accountLines = JSON.createArrayNode();
        for (int c = 0; c < sizes.cohorts(); c++) {
            String apiKey = new String(randomSecret());
            String hash = OpenAiServer.sha256Hex(apiKey.getBytes(StandardCharsets.UTF_8));
            WatermarkKey k = keys.get(c);
            accounts.put(hash, new ServedModel("teacher", teacher, tok,
                    Schemes.create(profile.withKeyId(k.id()), k).embedder(), -1, k.id()));
            apiKeys.put(c, apiKey);
            ObjectNode a = accountLines.addObject();
            a.put("account", String.format(Locale.ROOT, "account-%02d", c + 1));
            a.put("api_key_sha256", hash);
            a.put("key_id", k.id());
        }
        writeJsonl(out.resolve("accounts.jsonl"), accountLines);
        long teacherNeeded = (long) Math.ceil(sizes.rho() / (1 - sizes.rho()) * humanCount);
        int harvestPrompts = (int) Math.ceil((double) teacherNeeded / sizes.answerTokens());
        if (harvestPrompts > harvestDocs.size()) {
            throw new IllegalStateException("need " + harvestPrompts + " harvest prompts, the corpus split has "
                    + harvestDocs.size());
        }
        List<int[]> teacherAnswers = new ArrayList<>();
        ServedModel defaultTeacher = accounts.values().iterator().next();
        Path harvest = Files.createDirectories(out.resolve("harvest"));
        try (OpenAiServer server = OpenAiServer.start(defaultTeacher, config(accounts))) {
            log.println("       teacher served on http://127.0.0.1:" + server.port() + "/v1 with " + accounts.size()
                    + " accounts (one cohort key each)");
            for (int i = 0; i < fed.size(); i++) {
                int c = fed.get(i);
                List<ProbePrompt> prompts = new ArrayList<>();
                for (int j = i; j < harvestPrompts; j += fed.size()) {
                    prompts.add(prompt("h-" + (j + 1), promptText(harvestDocs.get(j))));
                }
                String acct = String.format(Locale.ROOT, "account-%02d", c + 1);
                Path journal = harvest.resolve(acct + ".jsonl");
                Prober.Summary s = probe(server.port(), "teacher", apiKeys.get(c), prompts, journal, false,
                        "harvest via " + acct);
                for (JsonNode r : records(journal)) {
                    teacherAnswers.add(ints(r.get("answer_tokens")));
                }
                log.println("       " + acct + " (key " + keys.get(c).id() + "): " + s.progress().answered()
                        + " answers -> " + out.relativize(journal));
            }
        }
        long teacherCount = count(teacherAnswers);
        stage(3, "distiller harvested " + teacherAnswers.size() + " teacher answers (" + teacherCount
                + " tokens) through the accounts of cohorts " + String.join(", ", fedKeys));

        // 4. students
        List<int[]> mix = new ArrayList<>(humanTokens);
        mix.addAll(teacherAnswers);
        shuffle(mix, rnd);
        KneserNeyModel distilled = KneserNeyModel.train(mix, tok.vocabSize(), STUDENT_ORDER, tok.id(),
                tok.vocabularySha256());
        KneserNeyModel clean = KneserNeyModel.train(humanTokens, tok.vocabSize(), STUDENT_ORDER, tok.id(),
                tok.vocabularySha256());
        double rho = (double) teacherCount / (teacherCount + humanCount);
        distilled.save(models.resolve("student-distilled-kn" + STUDENT_ORDER + ".bin"));
        clean.save(models.resolve("student-clean-kn" + STUDENT_ORDER + ".bin"));
        stage(4, String.format(Locale.ROOT, "students: Kneser-Ney order %d; distilled on %.1f%% teacher answers +"
                + " %.1f%% human text (%d tokens); clean on the same human text only (%d tokens)", STUDENT_ORDER,
                100 * rho, 100 * (1 - rho), teacherCount + humanCount, humanCount));

        // 5. probe both students with our prompts (disjoint from all training text)
        Path evidence = Files.createDirectories(out.resolve("evidence"));
        List<ProbePrompt> ours = new ArrayList<>();
        ArrayNode promptLines = JSON.createArrayNode();
        ArrayNode promptTokenLines = JSON.createArrayNode();
        List<int[]> promptTokens = new ArrayList<>();
        for (int i = 0; i < probeDocs.size(); i++) {
            String text = promptText(probeDocs.get(i));
            ours.add(prompt("p-" + (i + 1), text));
            promptLines.addObject().put("id", "p-" + (i + 1)).put("prompt", text);
            int[] t = tok.encode(text);
            promptTokens.add(t);
            ObjectNode o = promptTokenLines.addObject().put("id", "p-" + (i + 1));
            ArrayNode a = o.putArray("tokens");
            for (int x : t) {
                a.add(x);
            }
        }
        writeJsonl(evidence.resolve("prompts.jsonl"), promptLines);
        writeJsonl(evidence.resolve("prompts-tokens.jsonl"), promptTokenLines);
        Path dRecords = evidence.resolve("suspect-a-probe.jsonl");
        Path cRecords = evidence.resolve("suspect-b-probe.jsonl");
        serveAndProbe(distilled, tok, "suspect-a", ours, dRecords);
        serveAndProbe(clean, tok, "suspect-b", ours, cRecords);
        stage(5, "probed both students over HTTP: " + ours.size() + " prompts each, up to " + sizes.answerTokens()
                + " tokens per answer (records with request/response SHA-256 and times)");

        // 6. attribution
        CorpusAttribution.Options opts = new CorpusAttribution.Options(true, 0, sizes.controls(), seed);
        CorpusAttribution attribution = new CorpusAttribution(profile, opts);
        StudentVerdict dv = attribute(attribution, profile, keys, promptTokens, "suspect-a (distilled)", rho,
                distilled, teacherCount + humanCount, teacherCount, dRecords, evidence.resolve("suspect-a-answers.jsonl"),
                evidence.resolve("suspect-a-attribution.json"));
        StudentVerdict cv = attribute(attribution, profile, keys, promptTokens, "suspect-b (clean)", 0.0, clean,
                humanCount, 0, cRecords, evidence.resolve("suspect-b-answers.jsonl"),
                evidence.resolve("suspect-b-attribution.json"));
        stage(6, "attributed both students: " + keys.size() + " cohort keys (Holm, alpha " + sizes.alpha() + "), "
                + sizes.controls() + " random-key controls, prompt exclusion on");

        String problem = null;
        if (!new TreeSet<>(dv.attributedKeys()).equals(new TreeSet<>(fedKeys))) {
            problem = "the distilled student was attributed to [" + String.join(", ", dv.attributedKeys())
                    + "], expected exactly the fed cohorts [" + String.join(", ", fedKeys) + "]";
        } else if (!cv.attributedKeys().isEmpty()) {
            problem = "the clean student was attributed to [" + String.join(", ", cv.attributedKeys())
                    + "] (a false accusation; expected none)";
        }
        List<String> allIds = new ArrayList<>();
        keys.forEach(k -> allIds.add(k.id()));
        Outcome o = new Outcome(dv, cv, fedKeys, allIds, problem == null, problem, out,
                "embedded King James Bible slice " + DemoCorpus.RESOURCE + " (sha256 " + DemoCorpus.RESOURCE_SHA256 + ")");
        writeSummary(o);
        writeManifest();
        return o;
    }

    private void serveAndProbe(KneserNeyModel m, TextTokenizer tok, String name, List<ProbePrompt> prompts, Path journal)
            throws IOException, InterruptedException {
        try (OpenAiServer server = OpenAiServer.start(new ServedModel(name, m, tok, null, -1, null),
                config(Map.of()))) {
            probe(server.port(), name, null, prompts, journal, true, "probe " + name + " on port " + server.port());
        }
    }

    private static OpenAiServer.Config config(Map<String, ServedModel> accounts) {
        OpenAiServer.Config c = new OpenAiServer.Config();
        c.host = "127.0.0.1";
        c.port = 0;
        c.accounts = accounts;
        return c;
    }

    private Prober.Summary probe(int port, String model, String apiKey, List<ProbePrompt> prompts, Path journalFile,
                                 boolean keepRaw, String what) throws IOException, InterruptedException {
        // no request seed: the server would use the same random stream for every request and the answers of a
        // low-order model would converge on one text; sampling is fresh, like a real API's
        ProbeSettings ps = new ProbeSettings(URI.create("http://127.0.0.1:" + port + "/v1"), model, false, 2, 0, 3,
                300_000, sizes.answerTokens(), 1.0, null, null, null, false, false, keepRaw, 100, 2_000);
        Prober prober = new Prober(ps, apiKey);
        int[] lastQuarter = {0};
        Prober.Summary s;
        try (ProbeJournal journal = ProbeJournal.open(journalFile)) {
            s = prober.run(prompts, journal, p -> {
                int q = p.total() == 0 ? 4 : 4 * p.done() / p.total();
                if (q > lastQuarter[0]) {
                    lastQuarter[0] = q;
                    log.printf(Locale.ROOT, "       %s: %d/%d answers (%d retries)%n", what, p.done(), p.total(),
                            p.retries());
                    log.flush();
                }
            });
        }
        if (!s.complete()) {
            throw new IOException(what + ": " + (s.fatal() != null ? s.fatal() : s.failures().size()
                    + " prompts failed, first: " + s.failures().get(0).path("error").asText()));
        }
        return s;
    }

    private StudentVerdict attribute(CorpusAttribution attribution, Profile profile, List<WatermarkKey> keys,
                                     List<int[]> promptTokens, String name, double rho, KneserNeyModel m, long trained,
                                     long teacherTokens, Path records, Path answersFile, Path reportFile)
            throws IOException {
        List<CorpusAttribution.Answer> answers = new ArrayList<>();
        ArrayNode lines = JSON.createArrayNode();
        for (JsonNode r : records(records)) {
            String id = r.get("id").asText();
            int[] t = ints(r.get("answer_tokens"));
            int[] p = ints(r.get("prompt_tokens"));
            answers.add(new CorpusAttribution.Answer(id, t, p));
            ObjectNode o = lines.addObject().put("id", id);
            o.set("tokens", r.get("answer_tokens"));
            o.set("prompt_tokens", r.get("prompt_tokens"));
        }
        byte[] answerBytes = writeJsonl(answersFile, lines);
        CorpusAttribution.Report rep = attribution.run(keys, answers, promptTokens, null, null, sizes.alpha());
        ObjectNode json = io.provmark.cli.AttributionReportJson.of(rep, profile, "closed", true);
        ObjectNode inputs = json.putObject("inputs");
        inputs.put("answers_file", out.relativize(answersFile).toString());
        inputs.put("answers_file_sha256", "sha256:" + sha256(answerBytes));
        inputs.put("answers_canonical_sha256", rep.answersSha256());
        inputs.put("probe_records_file", out.relativize(records).toString());
        inputs.put("probe_records_file_sha256", "sha256:" + sha256(Files.readAllBytes(records)));
        Path promptsFile = out.resolve("evidence").resolve("prompts-tokens.jsonl");
        inputs.put("prompts_file", out.relativize(promptsFile).toString());
        inputs.put("prompts_file_sha256", "sha256:" + sha256(Files.readAllBytes(promptsFile)));
        inputs.put("num_prompt_identities", rep.numPromptIdentities());
        Files.writeString(reportFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n",
                StandardCharsets.UTF_8);
        CorpusAttribution.StreamResult main = bestFed(rep);
        double minP = 1;
        if (rep.controls() != null) {
            for (double p : rep.controls().pValues()) {
                minP = Math.min(minP, p);
            }
        }
        return new StudentVerdict(name, rho, m.order(), trained, teacherTokens, !rep.attributedKeys().isEmpty(),
                main.pValue(), main.log10PValue(), main.numScored(), rep.attributedKeys(),
                rep.controls() == null ? 0 : rep.controls().m(), minP,
                rep.controls() == null ? Double.NaN : rep.controls().ks().pValue(),
                rep.controls() == null ? Double.NaN : rep.controls().empiricalPValue(), records, answersFile,
                reportFile);
    }

    /** The strongest key's result (the smallest p over the tested keys), which the verdict line shows. */
    private static CorpusAttribution.StreamResult bestFed(CorpusAttribution.Report rep) {
        CorpusAttribution.StreamResult best = rep.main();
        for (CorpusAttribution.KeyResult k : rep.perKey()) {
            if (k.result().lnPValue() < best.lnPValue()) {
                best = k.result();
            }
        }
        return best;
    }

    private void writeSummary(Outcome o) throws IOException {
        ObjectNode s = JSON.createObjectNode();
        s.put("format", "provmark-demo-v1");
        s.put("status", "complete");
        s.put("seed", seed);
        s.put("corpus", o.corpus());
        s.put("tokenizer", TOKENIZER);
        s.put("teacher_order", TEACHER_ORDER);
        s.put("student_order", STUDENT_ORDER);
        s.put("scheme", "red-green gamma 0.25 delta " + sizes.delta() + ", context width 1");
        ArrayNode all = s.putArray("cohort_keys");
        o.allKeys().forEach(all::add);
        ArrayNode fed = s.putArray("fed_cohort_keys");
        o.fedKeys().forEach(fed::add);
        s.set("distilled", verdictJson(o.distilled()));
        s.set("clean", verdictJson(o.clean()));
        s.put("as_expected", o.asExpected());
        if (o.problem() == null) {
            s.putNull("problem");
        } else {
            s.put("problem", o.problem());
        }
        s.put("elapsed_seconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
        Files.writeString(out.resolve(SUMMARY), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s) + "\n",
                StandardCharsets.UTF_8);
    }

    private ObjectNode verdictJson(StudentVerdict v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", v.name());
        o.put("rho", v.rho());
        o.put("order", v.order());
        o.put("training_tokens", v.trainingTokens());
        o.put("teacher_tokens", v.teacherTokens());
        o.put("attributed", v.attributed());
        ArrayNode a = o.putArray("attributed_keys");
        v.attributedKeys().forEach(a::add);
        o.put("best_log10_p_value", v.log10PValue());
        o.put("num_scored", v.numScored());
        o.put("probe_records", out.relativize(v.probeRecords()).toString());
        o.put("answers", out.relativize(v.answers()).toString());
        o.put("attribution", out.relativize(v.attribution()).toString());
        return o;
    }

    /** Writes {@value #MANIFEST}: the SHA-256 of every file under the output directory but itself. */
    private void writeManifest() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(out)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.equals(out.resolve(MANIFEST))).sorted().toList();
        }
        StringBuilder sb = new StringBuilder();
        for (Path f : files) {
            sb.append(sha256(Files.readAllBytes(f))).append("  ")
                    .append(out.relativize(f).toString().replace('\\', '/')).append('\n');
        }
        Files.writeString(out.resolve(MANIFEST), sb.toString(), StandardCharsets.UTF_8);
    }

    private void stage(int n, String what) {
        log.printf(Locale.ROOT, "[%d/6 %5.1fs] %s%n", n, (System.nanoTime() - t0) / 1e9, what);
        log.flush();
    }

    /** The first words of a document: a short human prompt; the document's rest is never used. */
    static String promptText(DemoCorpus.Doc d) {
        String[] w = d.text().split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(w, Math.min(w.length, 8)));
    }

    private static ProbePrompt prompt(String id, String text) {
        return new ProbePrompt(JSON.getNodeFactory().textNode(id), text, null);
    }

    private static List<JsonNode> records(Path journal) throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                if (n.get("answer_tokens") == null || n.get("prompt_tokens") == null) {
                    throw new IOException(journal + ": a record has no answer_tokens/prompt_tokens");
                }
                list.add(n);
            }
        }
        // the journal is in completion order (concurrent requests); sort by id number for a stable corpus order
        list.sort((a, b) -> Integer.compare(idNum(a), idNum(b)));
        return list;
    }

    private static int idNum(JsonNode r) {
        String id = r.get("id").asText();
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).intValue();
        }
        return r;
    }

    private static List<int[]> encodeAll(TextTokenizer tok, List<DemoCorpus.Doc> docs) {
        List<int[]> r = new ArrayList<>(docs.size());
        for (DemoCorpus.Doc d : docs) {
            r.add(tok.encode(d.text()));
        }
        return r;
    }

    private static long count(List<int[]> docs) {
        long n = 0;
        for (int[] d : docs) {
            n += d.length;
        }
        return n;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rnd) {
        for (int i = list.size() - 1; i > 0; i--) {
            Collections.swap(list, i, rnd.nextInt(i + 1));
        }
    }

    private static byte[] writeJsonl(Path file, ArrayNode lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : lines) {
            sb.append(JSON.writeValueAsString(n)).append('\n');
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        Files.write(file, b);
        return b;
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Files.createFile(file);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own protection applies
        }
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** 256 random bits, URL-safe base64: keyset passphrase and account API keys (never printed). */
    private static char[] randomSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b).toCharArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String fmtLog10(double log10p) {
        return String.format(Locale.ROOT, "%.1f", log10p);
    }

    static double toP(double lnP) {
        return LogP.toP(lnP);
    }
}
