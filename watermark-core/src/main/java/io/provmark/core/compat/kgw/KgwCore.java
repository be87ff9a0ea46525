package io.provmark.core.compat.kgw;

import io.provmark.core.compat.torch.TorchMt19937;
import io.provmark.core.compat.torch.TorchRandperm;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.stats.LogTails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What both KGW upstreams share: greenlists from {@code randperm(V)} under a seeded torch generator,
 * and the ngram scan of a token list (ngram length {@code n = contextWidth + 1 - selfSalt}; the
 * ngram starting at j decides token {@code j + n - 1}; its prefix is the whole ngram when self-salted,
 * else all but its last id). Immutable and thread-safe.
 */
final class KgwCore {
    final int vocab;
    final int greenSize;
    final boolean selectGreen;
    final KgwSeeding seeding;
    final int contextWidth;
    final boolean selfSalt;
    final int ngramLen;

    KgwCore(int vocab, double gamma, boolean selectGreen, KgwSeeding seeding, int contextWidth, boolean selfSalt) {
        this.vocab = vocab;
        this.greenSize = (int) (vocab * gamma); // Python int(): truncation, 50257*0.25 -> 12564
        this.selectGreen = selectGreen;
        this.seeding = seeding;
        this.contextWidth = contextWidth;
        this.selfSalt = selfSalt;
        this.ngramLen = contextWidth + 1 - (selfSalt ? 1 : 0);
    }

    /** Whether {@code token} is in the greenlist drawn after {@code manual_seed(seed)}; reseeds {@code g}. */
    boolean isGreen(TorchMt19937 g, long seed, int token) {
        g.manualSeed(seed);
        if (selectGreen) {
            return TorchRandperm.inPrefix(g, vocab, greenSize, token);
        }
        // legacy select_green_tokens=False: greenlist = perm[V-k:], i.e. not among the first V-k
        return !TorchRandperm.inPrefix(g, vocab, vocab - greenSize, token);
    }

    /** The greenlist ids in upstream's order (permutation order) for {@code manual_seed(seed)}. */
    int[] greenlist(long seed) {
        TorchMt19937 g = new TorchMt19937(seed);
        if (selectGreen) {
            return TorchRandperm.prefix(g, vocab, greenSize);
        }
        int[] perm = TorchRandperm.randperm(g, vocab);
        return Arrays.copyOfRange(perm, vocab - greenSize, vocab);
    }

    /** The greenlist for the prefix {@code seq[0..end)} (only its tail is read). */
    int[] greenlistFor(int[] seq, int end) {
        return greenlist(seeding.manualSeed(seq, end));
    }

    /** Seed and prefix end deciding the token at index {@code t}: prefix ends at t (self-salted) or t-1. */
    int prefixEnd(int t) {
        return selfSalt ? t + 1 : t;
    }

    /** The scored ngrams of one sequence: target index, seed passed to manual_seed, green flag. */
    static final class Scan {
        final int[] target;
        final long[] seed;
        final boolean[] green;

        Scan(int[] target, long[] seed, boolean[] green) {
            this.target = target;
            this.seed = seed;
            this.green = green;
        }

        int size() {
            return target.length;
        }
    }

    /**
     * Scores every ngram whose target index is in {@code [max(from, n-1), seq.length)}. Identical
     * (seed, target) pairs are computed once: the low 32 bits of the seed fix the whole stream.
     */
    Scan scan(int[] seq, int from) {
        int first = Math.max(from, ngramLen - 1);
        int m = Math.max(0, seq.length - first);
        int[] target = new int[m];
        long[] seed = new long[m];
        boolean[] green = new boolean[m];
        Map<Long, Boolean> cache = new HashMap<>();
        TorchMt19937 g = new TorchMt19937(0);
        for (int j = 0; j < m; j++) {
            int t = first + j;
            long s = seeding.manualSeed(seq, prefixEnd(t));
            long id = identity(s, seq[t]);
            Boolean f = cache.get(id);
            if (f == null) {
                f = isGreen(g, s, seq[t]);
                cache.put(id, f);
            }
            target[j] = t;
            seed[j] = s;
            green[j] = f;
        }
        return new Scan(target, seed, green);
    }

    /** What fixes a green flag: the MT seed (low 32 bits of the manual_seed value) and the target id. */
    static long identity(long seed, int token) {
        return (seed << 32) | (token & 0xFFFFFFFFL);
    }

    /**
     * provmark's exact evidence over the positions upstream scored: each (seed, target) pair counted
     * once (repeats carry no new randomness), pairs already decided inside the prompt left out, and
     * the green count tested against Binomial(n, k/V) — k/V being the exact null probability of one
     * fresh pair, not the nominal gamma.
     *
     * @param offset index in {@code seq} of {@code tokens[0]}; may be negative when a leading BOS was stripped
     */
    Evidence evidence(String scheme, int[] seq, int promptEnd, int offset, int[] tokens, Scan scan, boolean perPosition) {
        int numTokens = tokens.length;
        Set<Long> promptIds = new HashSet<>();
        for (int t = ngramLen - 1; t < promptEnd && t < seq.length; t++) {
            promptIds.add(identity(seeding.manualSeed(seq, prefixEnd(t)), seq[t]));
        }
        Set<Long> seen = new HashSet<>();
        PositionDetail.Status[] status = new PositionDetail.Status[numTokens];
        double[] value = new double[numTokens];
        Arrays.fill(status, PositionDetail.Status.PARTIAL_CONTEXT);
        Arrays.fill(value, Double.NaN);
        long n = 0;
        long green = 0;
        for (int j = 0; j < scan.size(); j++) {
            int k = scan.target[j] - offset;
            long id = identity(scan.seed[j], seq[scan.target[j]]);
            PositionDetail.Status st;
            if (promptIds.contains(id)) {
                st = PositionDetail.Status.IN_PROMPT;
            } else if (!seen.add(id)) {
                st = PositionDetail.Status.DUPLICATE;
            } else {
                st = PositionDetail.Status.SCORED;
                n++;
                if (scan.green[j]) {
                    green++;
                }
            }
            if (k >= 0 && k < numTokens) {
                status[k] = st;
                value[k] = st == PositionDetail.Status.SCORED ? (scan.green[j] ? 1.0 : 0.0) : Double.NaN;
            }
        }
        double p = (double) greenSize / vocab;
        double lnP = n == 0 ? 0.0 : Math.min(0.0, LogTails.binomialLogSurvival(n, green, p));
        double z = n == 0 ? Double.NaN : (green - p * n) / Math.sqrt(n * p * (1 - p));
        List<PositionDetail> details = new ArrayList<>();
        if (perPosition) {
            for (int k = 0; k < numTokens; k++) {
                details.add(new PositionDetail(k, tokens[k], status[k], value[k]));
            }
        }
        return new Evidence(scheme, "compat", numTokens, (int) n, "green_fraction", n == 0 ? Double.NaN : (double) green / n,
                lnP, z, true, "prf-input", details);
    }
}
