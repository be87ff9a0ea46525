package io.provmark.core.attribution;

import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenSpans;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Maps a suspect's teacher-forced top-1 predictions, made over ITS tokenization of our text, onto our
 * token positions by character offsets (the suspect may use another tokenizer than the profile's).
 *
 * <p>The suspect's prediction at its token j is a guess at the text that starts at character offset
 * {@code o_j} (where its token j starts), given the text before {@code o_j}. It becomes a tuple for
 * our position i when:
 * <ol>
 *   <li>one of our tokens starts exactly at {@code o_j} (then the text the suspect read is exactly our
 *       tokens before i); otherwise the prediction is dropped as {@code unaligned};</li>
 *   <li>the predicted token's text encodes, under our tokenizer, to exactly one token whose decoded
 *       text is that same string; otherwise it is dropped as {@code not_one_token} (e.g. the suspect's
 *       " the" → one of our tokens, fine; " there" split into two of ours, dropped; partial UTF-8 bytes
 *       or an empty string, dropped).</li>
 * </ol>
 * If several of the suspect's positions start at the same offset (empty tokens), the first wins.
 */
public final class ReadingAlignment {
    /** Counts of what happened to the predictions of one text (or of many, summed). */
    public record Stats(long positions, long predictions, long aligned, long unaligned, long notOneToken) {
        public Stats plus(Stats o) {
            return new Stats(positions + o.positions, predictions + o.predictions, aligned + o.aligned,
                    unaligned + o.unaligned, notOneToken + o.notOneToken);
        }

        public static Stats zero() {
            return new Stats(0, 0, 0, 0, 0);
        }
    }

    /** Predictions for each of our positions (-1: none) and what was dropped. */
    public record Result(int[] predicted, Stats stats) {
    }

    private final TextTokenizer ours;
    private final Map<String, Integer> pieceCache = new HashMap<>();

    public ReadingAlignment(TextTokenizer ours) {
        this.ours = Objects.requireNonNull(ours, "tokenizer");
    }

    /**
     * Character offsets (UTF-16, in {@code text}) where each of our tokens starts, or -1 where a token does
     * not start on a character boundary of the text (e.g. the second byte-level token of a CJK character).
     * Uses the tokenizer's own offsets when re-encoding the text gives our ids back, else decodes prefixes.
     *
     * @throws IllegalArgumentException when our tokens do not decode to {@code text}
     */
    public int[] tokenStarts(int[] tokens, String text) {
        String norm = TextTokenizer.normalize(text);
        TokenSpans spans = ours.encodeWithOffsets(norm);
        int[] starts = new int[tokens.length];
        if (Arrays.equals(spans.ids(), tokens) && spans.text().equals(text)) {
            for (int i = 0; i < tokens.length; i++) {
                // tokens holding part of a character share its span: only the first starts a boundary
                starts[i] = i > 0 && spans.start(i) == spans.start(i - 1) ? -1 : spans.start(i);
            }
            return starts;
        }
        if (!ours.decode(tokens).equals(text)) {
            throw new IllegalArgumentException("our tokens do not decode to the given text (" + tokens.length
                    + " tokens, text of " + text.length() + " characters): give the exact text that was sent");
        }
        // a non-canonical tokenization (a model may generate one): decode each prefix
        for (int i = 0; i < tokens.length; i++) {
            String prefix = i == 0 ? "" : ours.decode(Arrays.copyOf(tokens, i));
            starts[i] = text.startsWith(prefix) && prefix.indexOf('\uFFFD') < 0 ? prefix.length() : -1;
        }
        return starts;
    }

    /**
     * Aligns the suspect's predictions.
     *
     * @param tokens      our text's token ids (profile tokenizer)
     * @param text        the text that was sent (our tokens decoded)
     * @param offsets     UTF-16 offset in {@code text} where each of the suspect's tokens starts
     * @param predictions the suspect's top-1 predicted token TEXT at each of its positions (null: none)
     */
    public Result align(int[] tokens, String text, int[] offsets, String[] predictions) {
        if (offsets.length != predictions.length) {
            throw new IllegalArgumentException(offsets.length + " offsets but " + predictions.length + " predictions");
        }
        int[] starts = tokenStarts(tokens, text);
        Map<Integer, Integer> byOffset = new HashMap<>();
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] >= 0) {
                byOffset.putIfAbsent(starts[i], i);
            }
        }
        int[] predicted = new int[tokens.length];
        Arrays.fill(predicted, -1);
        long preds = 0;
        long aligned = 0;
        long unaligned = 0;
        long multi = 0;
        int prev = 0;
        for (int j = 0; j < offsets.length; j++) {
            int o = offsets[j];
            if (o < prev || o > text.length()) {
                throw new IllegalArgumentException("text_offset[" + j + "] = " + o + " is not in " + prev + ".."
                        + text.length() + " (offsets must be non-decreasing and inside the text)");
            }
            prev = o;
            if (predictions[j] == null) {
                continue;
            }
            preds++;
            Integer i = byOffset.get(o);
            if (i == null || predicted[i] >= 0) {
                unaligned++;
                continue;
            }
            int id = oneToken(predictions[j]);
            if (id < 0) {
                multi++;
                continue;
            }
            predicted[i] = id;
            aligned++;
        }
        return new Result(predicted, new Stats(tokens.length, preds, aligned, unaligned, multi));
    }

    /** Our single token whose text is exactly {@code piece}, or -1. */
    public int oneToken(String piece) {
        return pieceCache.computeIfAbsent(piece, p -> {
            if (p.isEmpty() || p.indexOf('\uFFFD') >= 0 || !TextTokenizer.normalize(p).equals(p)) {
                return -1;
            }
            int[] ids = ours.encode(p);
            return ids.length == 1 && ours.decode(ids).equals(p) ? ids[0] : -1;
        });
    }

    /** Converts offsets counted in Unicode code points (Python, OpenAI) to UTF-16 indices of {@code text}. */
    public static int[] codePointToUtf16(String text, int[] offsets) {
        int[] out = new int[offsets.length];
        int cps = text.codePointCount(0, text.length());
        for (int j = 0; j < offsets.length; j++) {
            if (offsets[j] < 0 || offsets[j] > cps) {
                throw new IllegalArgumentException("text_offset[" + j + "] = " + offsets[j] + " is outside the text ("
                        + cps + " code points)");
            }
            out[j] = text.offsetByCodePoints(0, offsets[j]);
        }
        return out;
    }
}
