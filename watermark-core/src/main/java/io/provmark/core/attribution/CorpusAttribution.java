package io.provmark.core.attribution;

import io.provmark.core.detect.Detector;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.stats.LogP;
import io.provmark.core.stats.Multiplicity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * Closed-model radioactivity test (Sander et al., "Watermarking Makes Language Models
 * Radioactive"): did a suspect model train on our watermarked outputs?
 *
 * <p>All of the suspect's answers are scored as one stream through the {@link Detector}'s mask with
 * one {@link Detector.SharedDedup} tape: a PRF input (or context, per the profile) is scored at most
 * once in the whole corpus, because a student repeats what it learned and repeats are not
 * independent. With prompt exclusion on, every identity that occurs in any prompt (the prompts file
 * and every answer's own prompt) is never scored: a model that copies watermarked prompt text
 * would otherwise look radioactive. An optional filter keeps only positions whose context occurs at
 * least {@code minContextCount} times in our own released outputs (where a student can have learned
 * the watermark's bias). The p-value is the scheme's exact null over the total count and sum.
 *
 * <p>Controls: the same procedure under fresh random keys (their p-values are an empirical null and
 * should look Uniform(0, 1), tested by Kolmogorov-Smirnov), and optionally a clean reference corpus.
 */
public final class CorpusAttribution {
    /** One suspect answer: its tokens and the prompt tokens it followed (may be empty). */
    public record Answer(String id, int[] tokens, int[] prompt) {
        public Answer {
            Objects.requireNonNull(tokens, "tokens");
            prompt = prompt == null ? new int[0] : prompt;
        }
    }

    /**
     * @param excludePrompts  never score identities that occur in any prompt (default on)
     * @param minContextCount 0: no teacher filter; C &gt;= 1: score only contexts seen &gt;= C times in the
     *                        teacher outputs
     * @param controls        number M of fresh random keys for the empirical null (0: none)
     * @param controlSeed     seed for the control keys (tests); null draws them from SecureRandom
     */
    public record Options(boolean excludePrompts, int minContextCount, int controls, Long controlSeed) {
        public Options {
            if (minContextCount < 0) {
                throw new IllegalArgumentException("min context count must be >= 0, got " + minContextCount);
            }
            if (controls < 0 || controls > 100_000) {
                throw new IllegalArgumentException("number of control keys must be in 0..100000, got " + controls);
            }
        }

        public static Options defaults() {
            return new Options(true, 0, 0, null);
        }
    }

    /** A point of the cumulative curve: after {@code answers} answers, {@code numScored} tuples. */
    public record CurvePoint(int answers, long numScored, double log10PValue) {
    }

    /** The corpus scored as one stream under one key. */
    public record StreamResult(String keyId, int numAnswers, long numTokens, long numScored, long numFiltered,
                               double sum, String statisticName, double statistic, double lnPValue, double z,
                               boolean exact, List<CurvePoint> curve) {
        public double pValue() {
            return LogP.toP(lnPValue);
        }

        public double log10PValue() {
            return LogP.toLog10(lnPValue);
        }
    }

    /** A tested key's result with its Holm-adjusted p-value across all tested keys. */
    public record KeyResult(StreamResult result, double holmLnPValue, boolean attributed) {
        public double holmLog10PValue() {
            return LogP.toLog10(holmLnPValue);
        }
    }

    /**
     * Random-key controls: each control's p-value, the KS test of their uniformity and the
     * empirical p-value of the main result, (1 + #controls at least as extreme) / (M + 1).
     */
    public record Controls(int m, double[] pValues, KolmogorovSmirnov.Result ks, double empiricalPValue) {
    }

    /** Everything a report needs. {@code main} is the first tested key (the profile's key). */
    public record Report(StreamResult main, List<KeyResult> perKey, Controls controls, List<StreamResult> reference,
                         double alpha, int numPromptIdentities, int numFrequentContexts, String answersSha256,
                         Options options) {
        /** Keys whose Holm-adjusted p-value is below alpha (the cohorts the student learned from). */
        public List<String> attributedKeys() {
            List<String> ids = new ArrayList<>();
            for (KeyResult k : perKey) {
                if (k.attributed()) {
                    ids.add(k.result().keyId());
                }
            }
            return ids;
        }
    }

    private final Profile profile;
    private final Options options;

    public CorpusAttribution(Profile profile, Options options) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Runs the whole test.
     *
     * @param keys           the keys to test (first = main result); each with the profile's parameters
     * @param answers        the suspect's answers (at least one)
     * @param prompts        prompts to exclude, besides each answer's own (may be empty)
     * @param teacherOutputs our released outputs for the context filter (needed iff minContextCount &gt; 0)
     * @param reference      a clean reference model's answers, scored the same way (may be null)
     * @param alpha          level for the per-key verdicts (Holm); never changes a p-value
     */
    public Report run(List<WatermarkKey> keys, List<Answer> answers, List<int[]> prompts, List<Answer> teacherOutputs,
                      List<Answer> reference, double alpha) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no keys to test");
        }
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no answers to attribute");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        LongPredicate filter = null;
        int frequent = 0;
        if (options.minContextCount() > 0) {
            if (teacherOutputs == null || teacherOutputs.isEmpty()) {
                throw new IllegalArgumentException("a min context count needs teacher outputs (our released answers)");
            }
            Map<Long, Integer> counts = contextCounts(scheme(keys.get(0)).scorer(), teacherOutputs);
            java.util.Set<Long> keep = new java.util.HashSet<>();
            for (Map.Entry<Long, Integer> e : counts.entrySet()) {
                if (e.getValue() >= options.minContextCount()) {
                    keep.add(e.getKey());
                }
            }
            frequent = keep.size();
            filter = keep::contains;
        }
        List<int[]> allPrompts = new ArrayList<>(prompts == null ? List.of() : prompts);
        List<StreamResult> results = new ArrayList<>();
        int promptIds = 0;
        for (int i = 0; i < keys.size(); i++) {
            Detector det = new Detector(scheme(keys.get(i)), options.excludePrompts());
            Detector.SharedDedup shared = newShared(det, allPrompts, answers, filter);
            promptIds = shared.excludedCount();
            results.add(score(det, shared, answers, true));
        }
        List<KeyResult> perKey = holmVerdicts(results, alpha);
        Controls controls = null;
        if (options.controls() > 0) {
            controls = controls(answers, allPrompts, filter, results.get(0).lnPValue());
        }
        List<StreamResult> ref = null;
        if (reference != null && !reference.isEmpty()) {
            ref = new ArrayList<>();
            for (WatermarkKey k : keys) {
                Detector det = new Detector(scheme(k), options.excludePrompts());
                ref.add(score(det, newShared(det, allPrompts, reference, filter), reference, false));
            }
        }
        return new Report(results.get(0), perKey, controls, ref, alpha, promptIds, frequent, sha256(answers), options);
    }

    private WatermarkScheme scheme(WatermarkKey key) {
        return Schemes.create(profile.withKeyId(key.id()), key);
    }

    private Detector.SharedDedup newShared(Detector det, List<int[]> prompts, List<Answer> answers, LongPredicate filter) {
        Detector.SharedDedup shared = new Detector.SharedDedup(filter);
        if (options.excludePrompts()) {
            // prompt exclusion across the whole corpus: an identity in ANY prompt is never scored
            for (int[] p : prompts) {
                excludeAll(det, shared, p);
            }
            for (Answer a : answers) {
                excludeAll(det, shared, a.prompt());
            }
        }
        return shared;
    }

    private void excludeAll(Detector det, Detector.SharedDedup shared, int[] prompt) {
        int vocab = profile.vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " is outside the profile's vocabulary 0.."
                        + (vocab - 1));
            }
        }
        // every position, as the Detector's own per-text prompt exclusion does
        for (int i = 0; i < prompt.length; i++) {
            shared.exclude(det.identity(prompt, i));
        }
    }

    private StreamResult score(Detector det, Detector.SharedDedup shared, List<Answer> answers, boolean withCurve) {
        NullModel nm = det.scheme().nullModel();
        long n = 0;
        long tokens = 0;
        long filtered = 0;
        double sum = 0;
        List<CurvePoint> curve = new ArrayList<>();
        int nextPoint = 1;
        for (int a = 0; a < answers.size(); a++) {
            Answer ans = answers.get(a);
            Detector.Tape tape;
            try {
                tape = det.tape(ans.tokens(), ans.prompt(), shared.hasFilter(), shared);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("answer " + (ans.id() == null ? "#" + (a + 1) : "'" + ans.id() + "'")
                        + ": " + e.getMessage(), e);
            }
            n += tape.size();
            sum += tape.sum();
            tokens += tape.numTokens();
            if (shared.hasFilter()) {
                for (var d : tape.details()) {
                    if (d.status() == io.provmark.core.detect.PositionDetail.Status.FILTERED) {
                        filtered++;
                    }
                }
            }
            // geometric checkpoints (1, 2, 4, ... answers) and the end
            if (withCurve && (a + 1 == nextPoint || a + 1 == answers.size())) {
                curve.add(new CurvePoint(a + 1, n, LogP.toLog10(lnP(nm, n, sum))));
                while (nextPoint <= a + 1) {
                    nextPoint *= 2;
                }
            }
        }
        double lnP = lnP(nm, n, sum);
        return new StreamResult(det.scheme().keyId(), answers.size(), tokens, n, filtered, sum, nm.statisticName(),
                nm.statistic(n, sum), lnP, nm.z(n, sum), nm.isExact(n), List.copyOf(curve));
    }

    private static double lnP(NullModel nm, long n, double sum) {
        return n == 0 ? 0.0 : Math.min(0.0, nm.logPValue(n, sum));
    }

    private Controls controls(List<Answer> answers, List<int[]> prompts, LongPredicate filter, double mainLnP) {
        return randomKeyControls(options.controls(), options.controlSeed(), mainLnP, k -> {
            Detector det = new Detector(scheme(k), options.excludePrompts());
            return score(det, newShared(det, prompts, answers, filter), answers, false);
        });
    }

    /**
     * The empirical null shared by closed and reading mode: the same procedure ({@code score}) under m fresh
     * keys nobody ever watermarked with, seeded when {@code seed} is given, else from SecureRandom.
     */
    /** Holm-adjusted p-value of every key (closed and reading mode) and whether it is attributed at alpha. */
    static List<KeyResult> holmVerdicts(List<StreamResult> results, double alpha) {
        double[] lnP = new double[results.size()];
        for (int i = 0; i < lnP.length; i++) {
            lnP[i] = results.get(i).lnPValue();
        }
        double[] holm = Multiplicity.holm(lnP);
        double lnAlpha = Math.log(alpha);
        List<KeyResult> perKey = new ArrayList<>();
        for (int i = 0; i < lnP.length; i++) {
            perKey.add(new KeyResult(results.get(i), holm[i], holm[i] < lnAlpha));
        }
        return perKey;
    }

    static Controls randomKeyControls(int m, Long seed, double mainLnP,
                                      java.util.function.Function<WatermarkKey, StreamResult> score) {
        double[] p = new double[m];
        SplittableRandom seeded = seed == null ? null : new SplittableRandom(seed);
        SecureRandom secure = seeded == null ? new SecureRandom() : null;
        int asExtreme = 0;
        for (int i = 0; i < m; i++) {
            byte[] material = new byte[32];
            if (seeded != null) {
                seeded.nextBytes(material);
            } else {
                secure.nextBytes(material);
            }
            StreamResult r = score.apply(new WatermarkKey("control-" + (i + 1), material, 0L));
            p[i] = r.pValue();
            if (r.lnPValue() <= mainLnP) {
                asExtreme++;
            }
        }
        return new Controls(m, p, KolmogorovSmirnov.uniformTest(p), (1.0 + asExtreme) / (m + 1.0));
    }

    /** Counts context keys over the generated part of each teacher output (its prompt gives context only). */
    static Map<Long, Integer> contextCounts(Scorer scorer, List<Answer> teacherOutputs) {
        Map<Long, Integer> counts = new HashMap<>();
        int h = scorer.contextWidth();
        for (Answer t : teacherOutputs) {
            int[] seq = new int[t.prompt().length + t.tokens().length];
            System.arraycopy(t.prompt(), 0, seq, 0, t.prompt().length);
            System.arraycopy(t.tokens(), 0, seq, t.prompt().length, t.tokens().length);
            for (int i = Math.max(h, t.prompt().length); i < seq.length; i++) {
                counts.merge(scorer.contextKey(seq, 0, i), 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * SHA-256 of the canonical answers input: per answer, the UTF-8 id (length-prefixed, empty when
     * absent), then the prompt and the tokens as length-prefixed big-endian int32 arrays.
     */
    public static String sha256(List<Answer> answers) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("provmark-answers-v1".getBytes(StandardCharsets.US_ASCII));
            for (Answer a : answers) {
                byte[] id = a.id() == null ? new byte[0] : a.id().getBytes(StandardCharsets.UTF_8);
                md.update(ByteBuffer.allocate(4).putInt(id.length).array());
                md.update(id);
                update(md, a.prompt());
                update(md, a.tokens());
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Length-prefixed big-endian int32 array, the unit of the canonical input hashes. */
    static void update(MessageDigest md, int[] ids) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * ids.length);
        b.putInt(ids.length);
        for (int v : ids) {
            b.putInt(v);
        }
        md.update(b.array());
    }
}
