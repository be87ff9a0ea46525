package io.provmark.core.attribution;

import io.provmark.core.attribution.CorpusAttribution.Controls;
import io.provmark.core.attribution.CorpusAttribution.CurvePoint;
import io.provmark.core.attribution.CorpusAttribution.KeyResult;
import io.provmark.core.attribution.CorpusAttribution.Options;
import io.provmark.core.attribution.CorpusAttribution.Report;
import io.provmark.core.attribution.CorpusAttribution.StreamResult;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.LongSet;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.stats.LogP;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Reading-mode radioactivity test (Sander et al.): we feed our own watermarked texts to the suspect
 * (teacher forcing: an OpenAI-style completions call with {@code echo}, {@code logprobs} and
 * {@code max_tokens: 0}) and score, at every position i of our text, the tuple (our context before i,
 * the suspect's top-1 prediction at i) with the scheme's scorer.
 *
 * <p>A clean causal model predicts position i from the tokens before it only, so the PRF output of the
 * tuple is independent of its prediction; a student that learned our watermark prefers green
 * continuations. Rules that keep the scored values i.i.d. under the null:
 * <ul>
 *   <li>one dedup tape for the whole corpus (a PRF input, or context per the profile, counts once);</li>
 *   <li>context exclusion (on by default): a tuple whose identity occurs in the text the suspect has
 *       already read at that position (our tokens before i) is not scored, since a model can copy it
 *       (the reading-mode form of the prompt-copy trap; the copied continuation was chosen by our
 *       watermark);</li>
 *   <li>the scheme's EOS and partial-context rules on our text.</li>
 * </ul>
 * The p-value is the scheme's exact null over the total count and sum; controls rerun the same
 * procedure under fresh random keys.
 */
public final class ReadingModeAttribution {
    /**
     * One of our watermarked texts and the suspect's teacher-forced top-1 predictions.
     *
     * @param tokens    our text in the profile's tokenizer
     * @param predicted {@code predicted[i]} = the suspect's top-1 token (profile vocabulary) for position i
     *                  given {@code tokens[0..i)}, or -1 where there is none (not returned, not aligned)
     */
    public record ReadingText(String id, int[] tokens, int[] predicted) {
        public ReadingText {
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(predicted, "predicted");
            if (predicted.length != tokens.length) {
                throw new IllegalArgumentException("text " + (id == null ? "" : "'" + id + "' ") + "has "
                        + tokens.length + " tokens but " + predicted.length + " prediction slots (one per token)");
            }
        }
    }

    private final Profile profile;
    private final Options options;

    /** Options as in closed mode; {@code excludePrompts} turns context exclusion on; no teacher filter. */
    public ReadingModeAttribution(Profile profile, Options options) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.options = Objects.requireNonNull(options, "options");
        if (options.minContextCount() != 0) {
            throw new IllegalArgumentException("reading mode has no teacher-context filter (min context count must be 0)");
        }
    }

    /**
     * Runs the test under every key (first = main), Holm-corrected, with the random-key controls.
     * The report's {@code numPromptIdentities} is the number of positions dropped by context exclusion
     * under the main key.
     */
    public Report run(List<WatermarkKey> keys, List<ReadingText> texts, double alpha) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no keys to test");
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no reading-mode texts to attribute");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
        }
        int vocab = profile.vocabSize();
        for (int t = 0; t < texts.size(); t++) {
            ReadingText r = texts.get(t);
            for (int i = 0; i < r.tokens().length; i++) {
                if (r.tokens()[i] < 0 || r.tokens()[i] >= vocab) {
                    throw new IllegalArgumentException(where(r, t) + ": tokens[" + i + "] = " + r.tokens()[i]
                            + " is outside the profile's vocabulary 0.." + (vocab - 1));
                }
                if (r.predicted()[i] < -1 || r.predicted()[i] >= vocab) {
                    throw new IllegalArgumentException(where(r, t) + ": prediction at position " + i + " = "
                            + r.predicted()[i] + " is outside the profile's vocabulary 0.." + (vocab - 1));
                }
            }
        }
        List<StreamResult> results = new ArrayList<>();
        long[] excludedMain = new long[1];
        for (int i = 0; i < keys.size(); i++) {
            long[] ex = new long[1];
            results.add(score(scheme(keys.get(i)), texts, true, ex));
            if (i == 0) {
                excludedMain[0] = ex[0];
            }
        }
        List<KeyResult> perKey = CorpusAttribution.holmVerdicts(results, alpha);
        Controls controls = null;
        if (options.controls() > 0) {
            controls = controls(texts, results.get(0).lnPValue());
        }
        return new Report(results.get(0), perKey, controls, null, alpha, (int) Math.min(Integer.MAX_VALUE, excludedMain[0]),
                0, sha256(texts), options);
    }

    private static String where(ReadingText r, int t) {
        return "text " + (r.id() == null ? "#" + (t + 1) : "'" + r.id() + "'");
    }

    private WatermarkScheme scheme(WatermarkKey key) {
        return Schemes.create(profile.withKeyId(key.id()), key);
    }

    /** Scores all texts as one stream; {@code excluded[0]} receives the positions dropped by context exclusion. */
    StreamResult score(WatermarkScheme scheme, List<ReadingText> texts, boolean withCurve, long[] excluded) {
        Detector det = new Detector(scheme, options.excludePrompts());
        Scorer scorer = scheme.scorer();
        NullModel nm = scheme.nullModel();
        DedupRule rule = profile.dedup();
        int h = scorer.contextWidth();
        int eos = profile.eosTokenId();
        LongSet seen = new LongSet(1 << 16);
        LongSet seenInputs = rule == DedupRule.CONTEXT ? new LongSet(1 << 16) : null;
        long n = 0;
        long tokens = 0;
        long ex = 0;
        double sum = 0;
        List<CurvePoint> curve = new ArrayList<>();
        int nextPoint = 1;
        for (int t = 0; t < texts.size(); t++) {
            ReadingText r = texts.get(t);
            int[] seq = r.tokens().clone();
            int len = seq.length;
            tokens += len;
            // identities of our text read so far (the suspect saw them before predicting position i)
            LongSet read = options.excludePrompts() && rule != DedupRule.NONE ? new LongSet(len + 16) : null;
            for (int i = 0; i < len; i++) {
                int actual = seq[i];
                if (eos >= 0 && actual == eos) {
                    break; // our text ends here; later positions are not part of it
                }
                int pred = r.predicted()[i];
                if (pred >= 0 && (i >= h || profile.scorePartialContext())) {
                    seq[i] = pred;
                    boolean score;
                    if (rule == DedupRule.NONE) {
                        score = true;
                    } else {
                        long id = det.identity(seq, i);
                        if (read != null && read.contains(id)) {
                            score = false;
                            ex++;
                        } else {
                            score = seen.add(id)
                                    && (seenInputs == null || seenInputs.add(scorer.prfInputKey(seq, 0, i)));
                        }
                    }
                    if (score) {
                        sum += scorer.value(seq, 0, i);
                        n++;
                    }
                    seq[i] = actual;
                }
                if (read != null) {
                    read.add(det.identity(seq, i));
                }
            }
            if (withCurve && (t + 1 == nextPoint || t + 1 == texts.size())) {
                curve.add(new CurvePoint(t + 1, n, LogP.toLog10(lnP(nm, n, sum))));
                while (nextPoint <= t + 1) {
                    nextPoint *= 2;
                }
            }
        }
        excluded[0] = ex;
        double lnP = lnP(nm, n, sum);
        return new StreamResult(scheme.keyId(), texts.size(), tokens, n, 0, sum, nm.statisticName(), nm.statistic(n, sum),
                lnP, nm.z(n, sum), nm.isExact(n), List.copyOf(curve));
    }

    private static double lnP(NullModel nm, long n, double sum) {
        return n == 0 ? 0.0 : Math.min(0.0, nm.logPValue(n, sum));
    }

    private Controls controls(List<ReadingText> texts, double mainLnP) {
        long[] ex = new long[1];
        return CorpusAttribution.randomKeyControls(options.controls(), options.controlSeed(), mainLnP,
                k -> score(scheme(k), texts, false, ex));
    }

    /**
     * SHA-256 of the canonical reading input: per text the UTF-8 id (length-prefixed), then tokens and
     * predictions as length-prefixed big-endian int32 arrays.
     */
    public static String sha256(List<ReadingText> texts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("provmark-reading-v1".getBytes(StandardCharsets.US_ASCII));
            for (ReadingText r : texts) {
                byte[] id = r.id() == null ? new byte[0] : r.id().getBytes(StandardCharsets.UTF_8);
                md.update(ByteBuffer.allocate(4).putInt(id.length).array());
                md.update(id);
                CorpusAttribution.update(md, r.tokens());
                CorpusAttribution.update(md, r.predicted());
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
