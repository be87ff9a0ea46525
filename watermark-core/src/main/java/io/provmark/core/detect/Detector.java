package io.provmark.core.detect;

import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.stats.Multiplicity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Scores token sequences under one scheme and key.
 *
 * <p>The scored mask, in order: the suspect tokens follow the prompt (the prompt gives context but
 * is never scored); scoring stops at the profile's EOS token; positions with fewer than h context
 * tokens are skipped unless the profile scores partial contexts; a position whose dedup identity
 * (PRF input or context, per the profile) was already scored, or occurs in the prompt when prompt
 * exclusion is on, is skipped. The remaining values are i.i.d. under the null, which is what makes
 * the p-value exact.
 */
public final class Detector {
    private final WatermarkScheme scheme;
    private final Profile profile;
    private final Scorer scorer;
    private final NullModel nullModel;
    private final boolean excludePrompt;

    public Detector(WatermarkScheme scheme) {
        this(scheme, true);
    }

    /** @param excludePrompt skip PRF inputs that also occur in the prompt (on by default) */
    public Detector(WatermarkScheme scheme, boolean excludePrompt) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.profile = scheme.profile();
        this.scorer = scheme.scorer();
        this.nullModel = scheme.nullModel();
        this.excludePrompt = excludePrompt;
    }

    public WatermarkScheme scheme() {
        return scheme;
    }

    /** The scored values of one text, in order, with their positions; the basis of every statistic. */
    public record Tape(int numTokens, int[] tokenIndex, double[] values, List<PositionDetail> details) {
        public int size() {
            return values.length;
        }

        public double sum() {
            double s = 0;
            for (double v : values) {
                s += v;
            }
            return s;
        }
    }

    /** Applies the scored mask and computes the values of the scored positions. */
    public Tape tape(int[] tokens, int[] prompt, boolean withDetails) {
        return tape(tokens, prompt, withDetails, null);
    }

    /**
     * Dedup state shared by many texts scored as one stream (corpus-level attribution): identities
     * already scored in earlier texts, identities excluded outright (e.g. every prompt of a corpus)
     * and an optional filter on context keys. None of these looks at a PRF output, so the scored
     * values stay i.i.d. under the null.
     */
    public static final class SharedDedup {
        final LongSet seen = new LongSet(4096);
        final LongSet seenInputs = new LongSet(4096);
        final LongSet excluded = new LongSet(1024);
        final java.util.function.LongPredicate contextFilter;

        /** @param contextFilter keeps a position when true for its context key; null keeps all */
        public SharedDedup(java.util.function.LongPredicate contextFilter) {
            this.contextFilter = contextFilter;
        }

        /** Never scores a position with this dedup identity (see {@link Detector#identity}). */
        public void exclude(long identity) {
            excluded.add(identity);
        }

        public boolean hasFilter() {
            return contextFilter != null;
        }

        public int excludedCount() {
            return excluded.size();
        }
    }

    /** The dedup identity of position i of seq under the profile's rule (context or PRF input). */
    public long identity(int[] seq, int i) {
        return identity(profile.dedup(), seq, i);
    }

    /** As {@link #tape(int[], int[], boolean)}, continuing the shared dedup state when not null. */
    public Tape tape(int[] tokens, int[] prompt, boolean withDetails, SharedDedup shared) {
        Objects.requireNonNull(tokens, "tokens");
        int[] pr = prompt == null ? new int[0] : prompt;
        int vocab = profile.vocabSize();
        checkIds(pr, vocab, "prompt_tokens");
        checkIds(tokens, vocab, "tokens");
        int p = pr.length;
        int[] seq = new int[p + tokens.length];
        System.arraycopy(pr, 0, seq, 0, p);
        System.arraycopy(tokens, 0, seq, p, tokens.length);

        DedupRule rule = profile.dedup();
        int h = scorer.contextWidth();
        LongSet seen = shared != null ? shared.seen : new LongSet(tokens.length + 16);
        // the context rule also drops repeated PRF inputs: under self-hash two different contexts
        // can share one PRF input (same min-hash), so a new context is not always a new input
        LongSet seenInputs = rule != DedupRule.CONTEXT ? null
                : shared != null ? shared.seenInputs : new LongSet(tokens.length + 16);
        LongSet promptKeys = new LongSet(p + 16);
        if (excludePrompt && rule != DedupRule.NONE) {
            for (int i = 0; i < p; i++) {
                promptKeys.add(identity(rule, seq, i));
            }
        }
        int eos = profile.eosTokenId();
        int[] idx = new int[tokens.length];
        double[] vals = new double[tokens.length];
        int n = 0;
        List<PositionDetail> details = withDetails ? new ArrayList<>(tokens.length) : null;
        boolean ended = false;
        for (int k = 0; k < tokens.length; k++) {
            int i = p + k;
            PositionDetail.Status status;
            double v = Double.NaN;
            if (ended) {
                status = PositionDetail.Status.AFTER_EOS;
            } else if (eos >= 0 && seq[i] == eos) {
                status = PositionDetail.Status.EOS;
                ended = true;
            } else if (i < h && !profile.scorePartialContext()) {
                status = PositionDetail.Status.PARTIAL_CONTEXT;
            } else if (shared != null && shared.contextFilter != null
                    && !shared.contextFilter.test(scorer.contextKey(seq, 0, i))) {
                status = PositionDetail.Status.FILTERED;
            } else if (rule == DedupRule.NONE) {
                status = PositionDetail.Status.SCORED;
            } else {
                long id = identity(rule, seq, i);
                if (promptKeys.contains(id) || (shared != null && shared.excluded.contains(id))) {
                    status = PositionDetail.Status.IN_PROMPT;
                } else if (!seen.add(id)
                        || (seenInputs != null && !seenInputs.add(scorer.prfInputKey(seq, 0, i)))) {
                    status = PositionDetail.Status.DUPLICATE;
                } else {
                    status = PositionDetail.Status.SCORED;
                }
            }
            if (status == PositionDetail.Status.SCORED) {
                v = scorer.value(seq, 0, i);
                idx[n] = k;
                vals[n] = v;
                n++;
            }
            if (details != null) {
                details.add(new PositionDetail(k, tokens[k], status, v));
            }
            if (ended && details == null) {
                break;
            }
        }
        return new Tape(tokens.length, java.util.Arrays.copyOf(idx, n), java.util.Arrays.copyOf(vals, n),
                details == null ? List.of() : details);
    }

    private long identity(DedupRule rule, int[] seq, int i) {
        return rule == DedupRule.CONTEXT ? scorer.contextKey(seq, 0, i) : scorer.prfInputKey(seq, 0, i);
    }

    private static void checkIds(int[] ids, int vocab, String what) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + ids[i]
                        + " is outside the profile's vocabulary 0.." + (vocab - 1) + " (vocab_size " + vocab + ")");
            }
        }
    }

    /** Evidence for {@code tokens} after {@code prompt} (may be null or empty). */
    public Evidence detect(int[] tokens, int[] prompt, boolean perPosition) {
        Tape tape = tape(tokens, prompt, perPosition);
        return evidence(tape.numTokens(), tape.size(), tape.sum(), tape.details());
    }

    public Evidence detect(int[] tokens) {
        return detect(tokens, null, false);
    }

    Evidence evidence(int numTokens, int n, double sum, List<PositionDetail> details) {
        double lnP = n == 0 ? 0.0 : Math.min(0.0, nullModel.logPValue(n, sum));
        return new Evidence(profile.scheme(), scheme.keyId(), numTokens, n, nullModel.statisticName(),
                nullModel.statistic(n, sum), lnP, nullModel.z(n, sum), nullModel.isExact(n), profile.dedup().wire(),
                details);
    }

    /**
     * Best-window detection: windows of lengths minWindow, 2 minWindow, 4 minWindow, ... (and the
     * whole tape) over the scored positions, starting every half length. For one length the p-value
     * falls as the sum rises, so only the largest sum per length is evaluated; the best p-value is
     * Bonferroni-corrected for every window compared.
     */
    public WindowedEvidence detectBestWindow(int[] tokens, int[] prompt, int minWindow) {
        if (minWindow < 1) {
            throw new IllegalArgumentException("minimum window must be >= 1 scored tokens, got " + minWindow);
        }
        Tape tape = tape(tokens, prompt, false);
        int n = tape.size();
        Evidence whole = evidence(tape.numTokens(), n, tape.sum(), null);
        if (n <= minWindow) {
            return new WindowedEvidence(whole, whole, 0, tokens.length, 1, whole.lnPValue());
        }
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + tape.values()[i];
        }
        long tried = 0;
        double bestLnP = 0.0;
        int bestStart = 0;
        int bestEnd = n;
        double bestSum = tape.sum();
        List<Integer> lengths = new ArrayList<>();
        for (long len = minWindow; len < n; len *= 2) {
            lengths.add((int) len);
        }
        lengths.add(n);
        for (int len : lengths) {
            int stride = Math.max(1, len / 2);
            double maxSum = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int s = 0; s + len <= n; s += stride) {
                tried++;
                double sum = prefix[s + len] - prefix[s];
                if (sum > maxSum) {
                    maxSum = sum;
                    arg = s;
                }
            }
            if (len < n && (n - len) % stride != 0) {
                // also the window flush with the end, so the tail is covered
                tried++;
                double sum = prefix[n] - prefix[n - len];
                if (sum > maxSum) {
                    maxSum = sum;
                    arg = n - len;
                }
            }
            double lnP = Math.min(0.0, nullModel.logPValue(len, maxSum));
            if (lnP < bestLnP) {
                bestLnP = lnP;
                bestStart = arg;
                bestEnd = arg + len;
                bestSum = maxSum;
            }
        }
        int startToken = tape.tokenIndex()[bestStart];
        int endToken = tape.tokenIndex()[bestEnd - 1] + 1;
        Evidence best = evidence(endToken - startToken, bestEnd - bestStart, bestSum, null);
        return new WindowedEvidence(whole, best, startToken, endToken, tried, Multiplicity.bonferroni(best.lnPValue(), tried));
    }

    /** Tries every scheme (one per key or profile) on the same text; Holm-corrects across them. */
    public static MultiKeyEvidence detectAll(List<Detector> detectors, int[] tokens, int[] prompt, boolean perPosition) {
        if (detectors.isEmpty()) {
            throw new IllegalArgumentException("no keys to test");
        }
        List<Evidence> ev = new ArrayList<>();
        double[] lnP = new double[detectors.size()];
        for (int i = 0; i < detectors.size(); i++) {
            Evidence e = detectors.get(i).detect(tokens, prompt, perPosition);
            ev.add(e);
            lnP[i] = e.lnPValue();
        }
        double[] adj = Multiplicity.holm(lnP);
        List<MultiKeyEvidence.KeyResult> results = new ArrayList<>();
        int best = 0;
        for (int i = 0; i < adj.length; i++) {
            results.add(new MultiKeyEvidence.KeyResult(ev.get(i), adj[i]));
            if (adj[i] < adj[best]) {
                best = i;
            }
        }
        return new MultiKeyEvidence(results, best);
    }

}
