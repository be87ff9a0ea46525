package io.provmark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.attribution.ReadingAlignment;
import io.provmark.core.attribution.ReadingModeAttribution.ReadingText;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reading-mode records for {@code provmark attribute --reading} (format in docs/attribution.md): per line
 * one of our watermarked texts as token ids ({@code tokens}, the profile's tokenizer) and the suspect's
 * teacher-forced top-1 predictions, either as ids in our vocabulary ({@code predicted_tokens}, one per
 * token, null where none) or as the OpenAI-style echo output ({@code logprobs} with {@code text_offset}
 * and {@code top_logprobs}, plus the text that was sent in {@code text} or {@code prompt}), aligned by
 * character offsets. Every line is checked before anything is scored.
 */
final class ReadingInput {
    final List<ReadingText> texts;
    final ReadingAlignment.Stats stats;

    private ReadingInput(List<ReadingText> texts, ReadingAlignment.Stats stats) {
        this.texts = texts;
        this.stats = stats;
    }

    /**
     * @param tokenizerId the profile's tokenizer (needed only for records with {@code logprobs})
     */
    static ReadingInput parse(String content, Path file, int vocab, String tokenizerId) {
        List<ReadingText> out = new ArrayList<>();
        ReadingAlignment.Stats stats = ReadingAlignment.Stats.zero();
        ReadingAlignment align = null;
        TextTokenizer tokenizer = null;
        Set<String> ids = new HashSet<>();
        for (JsonLines.Line l : JsonLines.objects(content, file.toString(),
                "a JSON object {\"id\", \"tokens\", \"predicted_tokens\" | \"logprobs\"}")) {
            String where = l.where();
            JsonNode node = l.node();
            JsonNode idNode = node.get("id");
            String id;
            if (idNode == null || idNode.isNull()) {
                id = Integer.toString(l.number());
            } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
                id = idNode.asText();
            } else {
                throw CliException.badInput(where + ": \"id\" must be a string or an integer, got " + idNode);
            }
            if (!ids.add(id)) {
                throw CliException.badInput(where + ": duplicate id '" + id + "'");
            }
            JsonNode tokNode = node.get("tokens");
            JsonNode pred = node.get("predicted_tokens");
            JsonNode lp = node.get("logprobs");
            if ((pred == null) == (lp == null || lp.isNull())) {
                throw CliException.badInput(where + ": give exactly one of \"predicted_tokens\" (ids in our vocabulary)"
                        + " or \"logprobs\" (the suspect's echo output with text_offset and top_logprobs)");
            }
            if (tokNode == null && pred != null) {
                throw CliException.badInput(where + ": missing field \"tokens\" (our watermarked text as token ids in"
                        + " the profile's tokenizer)");
            }
            if (pred != null) {
                int[] tokens = ids(tokNode, "tokens", where, vocab);
                out.add(new ReadingText(id, tokens, predictions(pred, tokens.length, where, vocab)));
                continue;
            }
            if (align == null) {
                if (tokenizerId == null || tokenizerId.equals("none")) {
                    throw CliException.badInput(where + ": \"logprobs\" records are aligned by text, but the profile's"
                            + " tokenizer is 'none'; give predicted_tokens instead");
                }
                try {
                    tokenizer = io.provmark.core.text.Tokenizers.byId(tokenizerId);
                } catch (TokenizerException e) {
                    throw CliException.badInput("cannot load the profile's tokenizer for reading mode: " + e.getMessage());
                }
                if (tokenizer.vocabSize() != vocab) {
                    throw CliException.badInput("the profile's tokenizer '" + tokenizerId + "' has " + tokenizer.vocabSize()
                            + " ids but the profile says vocab_size " + vocab);
                }
                align = new ReadingAlignment(tokenizer);
            }
            // without "tokens" (a probe record as it is): our text's ids are its encoding under the profile's
            // tokenizer, which differs from the generated ids only where generation was non-canonical
            int[] tokens = tokNode != null ? ids(tokNode, "tokens", where, vocab) : tokenizer.encode(text(node, where));
            ReadingAlignment.Result r = fromLogprobs(node, lp, tokens, where, align);
            stats = stats.plus(r.stats());
            out.add(new ReadingText(id, tokens, r.predicted()));
        }
        if (out.isEmpty()) {
            throw CliException.badInput("reading file " + file + " has no records (expected one JSON object per line)");
        }
        return new ReadingInput(out, stats);
    }

    private static int[] predictions(JsonNode arr, int n, String where, int vocab) {
        if (!arr.isArray() || arr.size() != n) {
            throw CliException.badInput(where + ": \"predicted_tokens\" must be an array with one entry per token ("
                    + n + "), got " + (arr.isArray() ? arr.size() + " entries" : arr.getNodeType().toString()));
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            JsonNode t = arr.get(i);
            if (t.isNull()) {
                out[i] = -1;
            } else if (t.isIntegralNumber() && t.canConvertToInt() && t.intValue() >= 0 && t.intValue() < vocab) {
                out[i] = t.intValue();
            } else {
                throw CliException.badInput(where + ": predicted_tokens[" + i + "] = " + t + " is not null or a token id"
                        + " 0.." + (vocab - 1));
            }
        }
        return out;
    }

    private static String text(JsonNode node, String where) {
        JsonNode textNode = node.has("text") ? node.get("text") : node.get("prompt");
        if (textNode == null || !textNode.isTextual()) {
            throw CliException.badInput(where + ": a \"logprobs\" record needs the text that was sent, as \"text\" (or"
                    + " \"prompt\")");
        }
        return textNode.textValue();
    }

    private static ReadingAlignment.Result fromLogprobs(JsonNode node, JsonNode lp, int[] tokens, String where,
                                                        ReadingAlignment align) {
        String text = text(node, where);
        if (!lp.isObject()) {
            throw CliException.badInput(where + ": \"logprobs\" must be an object with text_offset and top_logprobs");
        }
        JsonNode off = lp.get("text_offset");
        JsonNode top = lp.get("top_logprobs");
        if (off == null || !off.isArray() || top == null || !top.isArray() || off.size() != top.size()) {
            throw CliException.badInput(where + ": logprobs.text_offset and logprobs.top_logprobs must be arrays of the"
                    + " same length");
        }
        int n = off.size();
        int[] offsets = new int[n];
        String[] pieces = new String[n];
        for (int j = 0; j < n; j++) {
            JsonNode o = off.get(j);
            if (!o.isIntegralNumber() || !o.canConvertToInt() || o.intValue() < 0) {
                throw CliException.badInput(where + ": logprobs.text_offset[" + j + "] must be a non-negative integer,"
                        + " got " + o);
            }
            offsets[j] = o.intValue();
            JsonNode t = top.get(j);
            if (t.isNull()) {
                continue;
            }
            if (!t.isObject()) {
                throw CliException.badInput(where + ": logprobs.top_logprobs[" + j + "] must be null or an object"
                        + " {token: logprob}");
            }
            // top-1: the entry with the highest log-probability (the first of equals)
            double best = Double.NEGATIVE_INFINITY;
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) {
                    throw CliException.badInput(where + ": logprobs.top_logprobs[" + j + "][\"" + e.getKey()
                            + "\"] must be a number");
                }
                if (pieces[j] == null || e.getValue().doubleValue() > best) {
                    best = e.getValue().doubleValue();
                    pieces[j] = e.getKey();
                }
            }
        }
        String unit = node.has("text_offset_unit") ? node.get("text_offset_unit").asText() : null;
        if (unit != null && !unit.equals("utf16") && !unit.equals("codepoint")) {
            throw CliException.badInput(where + ": text_offset_unit must be \"utf16\" or \"codepoint\", got \"" + unit
                    + "\"");
        }
        boolean supplementary = text.codePointCount(0, text.length()) != text.length();
        if (supplementary && unit == null) {
            unit = detectUnit(text, offsets, lp.get("tokens"), where);
        }
        try {
            if ("codepoint".equals(unit)) {
                offsets = ReadingAlignment.codePointToUtf16(text, offsets);
            }
            return align.align(tokens, text, offsets, pieces);
        } catch (IllegalArgumentException e) {
            throw CliException.badInput(where + ": " + e.getMessage());
        }
    }

    /** Which offset unit makes every echoed token start where its offset says (texts with non-BMP characters). */
    private static String detectUnit(String text, int[] offsets, JsonNode echoed, String where) {
        if (echoed == null || !echoed.isArray() || echoed.size() != offsets.length) {
            throw CliException.badInput(where + ": the text has characters outside the BMP, so text_offset is ambiguous;"
                    + " give \"text_offset_unit\": \"utf16\" or \"codepoint\" (or logprobs.tokens to detect it)");
        }
        boolean utf16 = true;
        boolean cp = true;
        int cps = text.codePointCount(0, text.length());
        for (int j = 0; j < offsets.length; j++) {
            String tok = echoed.get(j).asText("");
            if (tok.isEmpty() || tok.indexOf('\uFFFD') >= 0 || tok.startsWith("bytes:")) {
                continue;
            }
            utf16 &= offsets[j] <= text.length() && text.startsWith(tok, offsets[j]);
            cp &= offsets[j] <= cps && text.startsWith(tok, text.offsetByCodePoints(0, offsets[j]));
        }
        if (utf16 == cp) {
            throw CliException.badInput(where + ": cannot tell whether text_offset counts UTF-16 units or code points;"
                    + " give \"text_offset_unit\"");
        }
        return utf16 ? "utf16" : "codepoint";
    }

    private static int[] ids(JsonNode arr, String field, String where, int vocab) {
        if (!arr.isArray()) {
            throw CliException.badInput(where + ": \"" + field + "\" must be an array of token ids");
        }
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocab) {
                throw CliException.badInput(where + ": " + field + "[" + i + "] = " + t + " is not a token id of the"
                        + " profile's vocabulary 0.." + (vocab - 1));
            }
            out[i] = t.intValue();
        }
        return out;
    }
}
