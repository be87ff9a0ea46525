package io.provmark.corpora.human;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSONL files of {@link HumanDocument}s: one object per line, {@code {"id", "source", "genre", "text"}} in
 * that order. Reading requires {@code id} and {@code text} (strings), takes {@code source} and {@code genre}
 * when present (else empty), ignores other fields, skips blank lines, and rejects duplicate ids, malformed
 * lines, non-UTF-8 bytes and files without any document, naming the file and line.
 */
public final class HumanJsonl {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HumanJsonl() {
    }

    /** Writes atomically (temp file + rename). */
    public static void write(Path file, List<HumanDocument> docs) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (HumanDocument d : docs) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("id", d.id());
                    o.put("source", d.source());
                    o.put("genre", d.genre());
                    o.put("text", d.text());
                    w.write(JSON.writeValueAsString(o));
                    w.write('\n');
                }
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static List<HumanDocument> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("corpus file " + file + " does not exist");
        }
        List<HumanDocument> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IOException(file + " line " + lineNo + ": not valid JSON: " + e.getOriginalMessage());
                }
                if (n == null || !n.isObject()) {
                    throw new IOException(file + " line " + lineNo + ": expected a JSON object");
                }
                String id = text(n, "id", true, file, lineNo);
                String text = text(n, "text", true, file, lineNo);
                String source = text(n, "source", false, file, lineNo);
                String genre = text(n, "genre", false, file, lineNo);
                if (!ids.add(id)) {
                    throw new IOException(file + " line " + lineNo + ": duplicate id \"" + id + "\"");
                }
                out.add(new HumanDocument(id, source, genre, text));
            }
        } catch (CharacterCodingException e) {
            throw new IOException(file + " line " + (lineNo + 1) + ": not valid UTF-8", e);
        }
        if (out.isEmpty()) {
            throw new IOException("corpus file " + file + " contains no documents");
        }
        return out;
    }

    private static String text(JsonNode n, String field, boolean required, Path file, int lineNo) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IOException(file + " line " + lineNo + ": missing \"" + field + "\"");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw new IOException(file + " line " + lineNo + ": \"" + field + "\" must be a string");
        }
        if (required && v.asText().isEmpty()) {
            throw new IOException(file + " line " + lineNo + ": \"" + field + "\" is empty");
        }
        return v.asText();
    }
}
