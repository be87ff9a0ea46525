package io.provmark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One suspect sequence: an id (string or number, echoed in the output), its tokens and the prompt
 * tokens before them (context only, never scored).
 */
final class TokenInput {
    /** The id: a String, a Long or a BigInteger, written back as it came. */
    final Object id;
    final int[] tokens;
    final int[] prompt;

    TokenInput(Object id, int[] tokens, int[] prompt) {
        this.id = id;
        this.tokens = tokens;
        this.prompt = prompt;
    }

    /**
     * Parses JSONL: one object per non-blank line with {@code tokens} (required), {@code id}
     * (string or integer; default: the line number) and {@code prompt_tokens} (optional). Any
     * other field is an error, so a misspelt {@code prompt_tokens} cannot silently count the
     * prompt as suspect text. Every line is checked before anything is scored.
     */
    static List<TokenInput> parseJsonl(String content, Path file, int vocabSize) {
        List<TokenInput> out = new ArrayList<>();
        for (JsonLines.Line l : JsonLines.objects(content, file.toString(),
                "a JSON object {\"id\": ..., \"tokens\": [...]}")) {
            out.add(parseLine(l.node(), l.where(), l.number(), vocabSize));
        }
        if (out.isEmpty()) {
            throw CliException.badInput("token file " + file + " has no records (expected one JSON object per line)");
        }
        return out;
    }

    private static TokenInput parseLine(JsonNode node, String where, int lineNo, int vocabSize) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("id") && !f.equals("tokens") && !f.equals("prompt_tokens")) {
                throw CliException.badInput(where + ": unknown field \"" + f
                        + "\" (allowed: id, tokens, prompt_tokens)");
            }
        }
        Object id;
        JsonNode idNode = node.get("id");
        if (idNode == null) {
            id = (long) lineNo;
        } else if (idNode.isTextual()) {
            id = idNode.textValue();
        } else if (idNode.isIntegralNumber()) {
            id = idNode.canConvertToLong() ? (Object) idNode.longValue() : idNode.bigIntegerValue();
        } else {
            throw CliException.badInput(where + ": \"id\" must be a string or an integer, got " + idNode);
        }
        JsonNode tokensNode = node.get("tokens");
        if (tokensNode == null) {
            throw CliException.badInput(where + ": missing field \"tokens\"");
        }
        int[] tokens = ids(tokensNode, "tokens", where, vocabSize);
        JsonNode promptNode = node.get("prompt_tokens");
        int[] prompt = promptNode == null || promptNode.isNull() ? new int[0]
                : ids(promptNode, "prompt_tokens", where, vocabSize);
        return new TokenInput(id, tokens, prompt);
    }

    private static int[] ids(JsonNode arr, String field, String where, int vocabSize) {
        if (!arr.isArray()) {
            throw CliException.badInput(where + ": \"" + field + "\" must be an array of token ids");
        }
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber()) {
                throw CliException.badInput(where + ": " + field + "[" + i + "] must be an integer token id, got " + t);
            }
            if (!t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocabSize) {
                throw CliException.badInput(where + ": " + field + "[" + i + "] = " + t
                        + " is outside the profile's vocabulary 0.." + (vocabSize - 1) + " (vocab_size "
                        + vocabSize + ")");
            }
            out[i] = t.intValue();
        }
        return out;
    }
}
