package io.provmark.core.text;

import java.util.Arrays;

/**
 * Token ids of a text with the character span of each token: token {@code i} covers
 * {@code text.substring(start(i), end(i))}, in UTF-16 indices of the NFC-normalised {@link #text()}.
 * A token holding only part of a character's bytes (byte-level BPE) is given that whole character,
 * so neighbouring tokens may share a span; a token with no text of its own (e.g. a special token)
 * has an empty span at its position.
 */
public final class TokenSpans {
    private final String text;
    private final int[] ids;
    private final int[] starts;
    private final int[] ends;

    public TokenSpans(String text, int[] ids, int[] starts, int[] ends) {
        if (ids.length != starts.length || ids.length != ends.length) {
            throw new IllegalArgumentException("ids, starts and ends differ in length: " + ids.length + ", "
                    + starts.length + ", " + ends.length);
        }
        for (int i = 0; i < ids.length; i++) {
            if (starts[i] < 0 || starts[i] > ends[i] || ends[i] > text.length()) {
                throw new IllegalArgumentException("token " + i + " has span [" + starts[i] + ", " + ends[i]
                        + ") outside the text of length " + text.length());
            }
        }
        this.text = text;
        this.ids = ids.clone();
        this.starts = starts.clone();
        this.ends = ends.clone();
    }

    /** The normalised text the spans index. */
    public String text() {
        return text;
    }

    public int size() {
        return ids.length;
    }

    public int id(int i) {
        return ids[i];
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    public int[] ids() {
        return ids.clone();
    }

    /** {@code [i][0]} = start, {@code [i][1]} = end of token i. */
    public int[][] offsets() {
        int[][] out = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            out[i] = new int[] {starts[i], ends[i]};
        }
        return out;
    }

    /** The text token i covers. */
    public String piece(int i) {
        return text.substring(starts[i], ends[i]);
    }

    @Override
    public String toString() {
        return "TokenSpans{" + ids.length + " tokens over " + text.length() + " chars, ids=" + Arrays.toString(
                Arrays.copyOf(ids, Math.min(ids.length, 16))) + (ids.length > 16 ? "...}" : "}");
    }
}
