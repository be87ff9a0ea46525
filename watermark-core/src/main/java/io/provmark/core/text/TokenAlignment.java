package io.provmark.core.text;

import java.util.Arrays;

/**
 * Character-offset alignment of one text under two tokenizers: for every token of B, the tokens of A whose
 * character spans overlap it (needed when a suspect used another tokenizer than the profile's). Both
 * tokenizations must be of the same normalised text.
 *
 * <p>Overlap means the half-open spans intersect; a token with an empty span (e.g. a special token) is
 * matched to the A tokens that cover its position (none at the very end of the text). Each B token's list
 * is ascending.
 */
public final class TokenAlignment {
    private final TokenSpans a;
    private final TokenSpans b;
    /** A indices for B token j: aIdx[bStart[j] .. bStart[j+1]). */
    private final int[] bStart;
    private final int[] aIdx;

    private TokenAlignment(TokenSpans a, TokenSpans b, int[] bStart, int[] aIdx) {
        this.a = a;
        this.b = b;
        this.bStart = bStart;
        this.aIdx = aIdx;
    }

    /** Tokenizes {@code text} with both tokenizers and aligns B onto A. */
    public static TokenAlignment of(TextTokenizer tokA, TextTokenizer tokB, String text) {
        return of(tokA.encodeWithOffsets(text), tokB.encodeWithOffsets(text));
    }

    /**
     * Aligns B onto A.
     *
     * @throws IllegalArgumentException when the two spans index different texts
     */
    public static TokenAlignment of(TokenSpans a, TokenSpans b) {
        if (!a.text().equals(b.text())) {
            throw new IllegalArgumentException("cannot align tokenizations of different texts (lengths " + a.text().length()
                    + " and " + b.text().length() + ")");
        }
        int na = a.size();
        int nb = b.size();
        // byte-level tokenizers give non-decreasing starts and ends; prefix maxima and the monotone flag keep
        // the search correct for any other span order (at quadratic cost)
        int[] maxEnd = new int[na];
        boolean monotone = true;
        for (int i = 0; i < na; i++) {
            maxEnd[i] = Math.max(a.end(i), i > 0 ? maxEnd[i - 1] : 0);
            monotone &= i == 0 || a.start(i) >= a.start(i - 1);
        }
        int[] bStart = new int[nb + 1];
        int[] out = new int[Math.max(16, nb * 2)];
        int n = 0;
        for (int j = 0; j < nb; j++) {
            bStart[j] = n;
            int s = b.start(j);
            int e = b.end(j);
            for (int i = monotone ? firstWithMaxEndAtLeast(maxEnd, s) : 0; i < na; i++) {
                int as = a.start(i);
                if (monotone && (e > s ? as >= e : as > s)) {
                    break;
                }
                if (overlaps(as, a.end(i), s, e)) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = i;
                }
            }
        }
        bStart[nb] = n;
        return new TokenAlignment(a, b, bStart, Arrays.copyOf(out, n));
    }

    /** Half-open spans intersect; an empty span is a point that must lie inside the other (or equal it). */
    static boolean overlaps(int as, int ae, int s, int e) {
        if (ae > as && e > s) {
            return as < e && s < ae;
        }
        if (ae > as) {
            return as <= s && s < ae;
        }
        if (e > s) {
            return s <= as && as < e;
        }
        return as == s;
    }

    private static int firstWithMaxEndAtLeast(int[] maxEnd, int s) {
        int lo = 0;
        int hi = maxEnd.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (maxEnd[mid] >= s) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    public TokenSpans a() {
        return a;
    }

    public TokenSpans b() {
        return b;
    }

    /** Indices of the A tokens that overlap B token {@code j}, ascending. */
    public int[] aTokensOf(int j) {
        return Arrays.copyOfRange(aIdx, bStart[j], bStart[j + 1]);
    }

    /** {@code [j]} = {@link #aTokensOf(int) aTokensOf(j)} for every B token. */
    public int[][] toArray() {
        int[][] out = new int[b.size()][];
        for (int j = 0; j < b.size(); j++) {
            out[j] = aTokensOf(j);
        }
        return out;
    }

    /** Indices of the B tokens that overlap A token {@code i}, ascending (the inverse map). */
    public int[] bTokensOf(int i) {
        int[] out = new int[4];
        int n = 0;
        for (int j = 0; j < b.size(); j++) {
            for (int k = bStart[j]; k < bStart[j + 1]; k++) {
                if (aIdx[k] == i) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = j;
                    break;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Indices of A tokens whose span lies exactly on B token boundaries (A starts and ends where some B token
     * starts and ends): the tokens both tokenizers agree on.
     */
    public int[] aTokensOnSharedBoundaries() {
        java.util.BitSet bStarts = new java.util.BitSet();
        java.util.BitSet bEnds = new java.util.BitSet();
        for (int j = 0; j < b.size(); j++) {
            bStarts.set(b.start(j));
            bEnds.set(b.end(j));
        }
        int[] out = new int[a.size()];
        int n = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.end(i) > a.start(i) && bStarts.get(a.start(i)) && bEnds.get(a.end(i))) {
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
