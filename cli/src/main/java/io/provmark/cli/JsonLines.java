package io.provmark.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's JSONL input files (token ids, reading-mode answers, calibration documents, probe prompts,
 * serve-model accounts): one JSON object per non-blank line, CRLF accepted, duplicate keys, deep
 * nesting and trailing content refused, every error naming the file and line.
 */
final class JsonLines {
    private JsonLines() {
    }

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One parsed line: its 1-based number, "LABEL line N" for messages, and the object. */
    record Line(int number, String where, JsonNode node) {
    }

    /**
     * The non-blank lines of {@code content} as JSON objects. {@code label} starts every message
     * (e.g. "prompts FILE"); {@code expected} says what a line must be when it is not an object
     * (e.g. "a JSON object with id and text").
     */
    static List<Line> objects(String content, String label, String expected) {
        List<Line> out = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            String where = label + " line " + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw CliException.badInput(where + ": malformed JSON" + column(e) + ": " + problem(e));
            }
            if (node == null || !node.isObject()) {
                throw CliException.badInput(where + ": expected " + expected);
            }
            out.add(new Line(i + 1, where, node));
        }
        return out;
    }

    private static String column(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getColumnNr() < 1 ? ""
                : " at column " + e.getLocation().getColumnNr();
    }

    /** Jackson's message without its parser-internal tail (source redaction notes, feature names). */
    private static String problem(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("FAIL_ON_TRAILING_TOKENS")) {
            return "unexpected content after the JSON object";
        }
        int k = m.indexOf(" (for ");
        if (k > 0 && m.indexOf("[Source:", k) > 0) {
            m = m.substring(0, k);
        }
        return m;
    }
}
