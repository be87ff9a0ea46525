package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Evidence formats: token-id JSONL as {@code provmark detect --token-ids} reads it (one object per
 * line: {@code tokens}, optional {@code id} and {@code prompt_tokens}) or UTF-8 text. Checked in
 * full at intake so that a stored piece of evidence always parses.
 */
final class EvidenceParser {
    static final String TOKEN_IDS = "token-ids";
    static final String TEXT = "text";

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One record: an id, its tokens and the prompt tokens (context only). */
    record Item(String id, int[] tokens, int[] prompt) {
    }

    private EvidenceParser() {
    }

    static String decodeUtf8(byte[] data, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(400, what + " is not valid UTF-8: " + e.getMessage());
        }
    }

    /** Parses and checks evidence; returns its records. Throws ApiException(400) naming the problem. */
    static List<Item> parse(String kind, byte[] data) {
        if (TEXT.equals(kind)) {
            String text = decodeUtf8(data, "text evidence");
            if (text.isBlank()) {
                throw new ApiException(400, "text evidence is empty");
            }
            return List.of(new Item("text", null, null));
        }
        if (CorpusEvidence.KIND.equals(kind)) {
            return CorpusEvidence.parse(data); // calibration corpora (JSONL of text or token ids)
        }
        if (ProbeEvidence.KIND.equals(kind)) {
            return ProbeEvidence.parse(data); // a provmark probe answers file, chain of custody checked
        }
        if (!TOKEN_IDS.equals(kind)) {
            throw new ApiException(400, "unknown evidence kind \"" + kind + "\" (allowed: token-ids, text, corpus, probe-run)");
        }
        return jsonLines(data, "token-ids evidence", "records", JSON, 8,
                "expected a JSON object {\"id\": ..., \"tokens\": [...]}", EvidenceParser::parseLine);
    }

    /** Parses one object line of a JSONL evidence file; {@code where} is "line N" for messages. */
    interface LineParser<T> {
        T parse(JsonNode node, int lineNo, String where);
    }

    /**
     * The JSONL reading shared by every evidence kind: strict UTF-8, one JSON object per non-blank line
     * (CRLF accepted), parse errors and too-deep nesting reported with the line number, no records → 400.
     */
    static <T> List<T> jsonLines(byte[] data, String what, String records, ObjectMapper mapper, int maxDepth,
                                 String expected, LineParser<T> parser) {
        String content = decodeUtf8(data, what);
        List<T> out = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            String where = "line " + (i + 1);
            JsonNode node;
            try {
                node = mapper.readTree(line);
            } catch (JsonProcessingException e) {
                String msg = e.getOriginalMessage();
                if (msg != null && msg.contains("nesting depth")) {
                    throw new ApiException(400, where + ": JSON nested too deeply (at most " + maxDepth + " levels)");
                }
                throw new ApiException(400, where + ": malformed JSON: " + msg);
            }
            if (node == null || !node.isObject()) {
                throw new ApiException(400, where + ": " + expected);
            }
            out.add(parser.parse(node, i + 1, where));
        }
        if (out.isEmpty()) {
            throw new ApiException(400, what + " has no " + records + " (expected one JSON object per line)");
        }
        return out;
    }

    /** A record's id: a string or an integer; the line number when absent and not required. */
    static String recordId(JsonNode node, int lineNo, String where, boolean required) {
        JsonNode idNode = node.get("id");
        if (idNode == null && !required) {
            return Integer.toString(lineNo);
        }
        if (idNode == null) {
            throw new ApiException(400, where + ": a record needs an \"id\" (a string or an integer)");
        }
        if (!(idNode.isTextual() || idNode.isIntegralNumber())) {
            throw new ApiException(400, where + ": \"id\" must be a string or an integer");
        }
        return idNode.asText();
    }

    private static Item parseLine(JsonNode node, int lineNo, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("id") && !f.equals("tokens") && !f.equals("prompt_tokens")) {
                throw new ApiException(400, where + ": unknown field \"" + f + "\" (allowed: id, tokens, prompt_tokens)");
            }
        }
        String id = recordId(node, lineNo, where, false);
        int[] tokens = ints(node.get("tokens"), where, "tokens", true);
        int[] prompt = node.has("prompt_tokens") ? ints(node.get("prompt_tokens"), where, "prompt_tokens", false) : new int[0];
        return new Item(id, tokens, prompt);
    }

    /** A non-negative int array field; {@code required} also refuses an empty one. */
    static int[] ints(JsonNode arr, String where, String field, boolean required) {
        if (arr == null) {
            throw new ApiException(400, where + ": missing \"" + field + "\"");
        }
        if (!arr.isArray()) {
            throw new ApiException(400, where + ": \"" + field + "\" must be an array of token ids");
        }
        if (required && arr.isEmpty()) {
            throw new ApiException(400, where + ": \"" + field + "\" is empty");
        }
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = arr.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                throw new ApiException(400, where + ": \"" + field + "\"[" + i + "] is not a non-negative token id: " + t);
            }
            out[i] = t.intValue();
        }
        return out;
    }
}
