package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.Profile;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.util.ArrayList;
import java.util.List;

/**
 * Evidence kind {@code corpus}: a human-written corpus for calibration jobs, JSONL with one document
 * per line, {@code {"id": ..., "text": "..."}} or {@code {"id": ..., "tokens": [...]}} (the format
 * {@code provmark calibrate --corpus} reads; other fields such as source or genre are ignored).
 * Checked in full at intake; text is tokenized with the profile's tokenizer when the job runs.
 */
final class CorpusEvidence {
    static final String KIND = "corpus";

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One document: exactly one of text and tokens is non-null. */
    record Doc(String id, String text, int[] tokens) {
    }

    private CorpusEvidence() {
    }

    /** Validates the whole corpus; the items carry ids only (text is tokenized per profile at job time). */
    static List<EvidenceParser.Item> parse(byte[] data) {
        List<EvidenceParser.Item> out = new ArrayList<>();
        for (Doc d : documents(data)) {
            out.add(new EvidenceParser.Item(d.id(), d.tokens(), new int[0]));
        }
        return out;
    }

    static List<Doc> documents(byte[] data) {
        String content = EvidenceParser.decodeUtf8(data, "corpus evidence");
        List<Doc> out = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (!line.isBlank()) {
                out.add(parseLine(line, i + 1));
            }
        }
        if (out.isEmpty()) {
            throw new ApiException(400, "corpus evidence has no documents (expected one JSON object per line)");
        }
        return out;
    }

    private static Doc parseLine(String line, int lineNo) {
        String where = "line " + lineNo;
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.contains("nesting depth")) {
                throw new ApiException(400, where + ": JSON nested too deeply (at most 8 levels)");
            }
            throw new ApiException(400, where + ": malformed JSON: " + msg);
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, where + ": expected a JSON object {\"id\": ..., \"text\": \"...\"} or with \"tokens\"");
        }
        JsonNode idNode = node.get("id");
        String id;
        if (idNode == null) {
            id = Integer.toString(lineNo);
        } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
            id = idNode.asText();
        } else {
            throw new ApiException(400, where + ": \"id\" must be a string or an integer");
        }
        JsonNode text = node.get("text");
        JsonNode tokens = node.get("tokens");
        if ((text == null) == (tokens == null)) {
            throw new ApiException(400, where + ": need exactly one of \"text\" and \"tokens\"");
        }
        if (text != null) {
            if (!text.isTextual()) {
                throw new ApiException(400, where + ": \"text\" must be a string");
            }
            return new Doc(id, text.textValue(), null);
        }
        if (!tokens.isArray()) {
            throw new ApiException(400, where + ": \"tokens\" must be an array of token ids");
        }
        int[] ids = new int[tokens.size()];
        for (int k = 0; k < ids.length; k++) {
            JsonNode t = tokens.get(k);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                throw new ApiException(400, where + ": \"tokens\"[" + k + "] is not a non-negative token id: " + t);
            }
            ids[k] = t.intValue();
        }
        return new Doc(id, null, ids);
    }

    /** The documents as scoring items (no prompt), text tokenized with the profile's tokenizer. */
    static List<EvidenceParser.Item> tokenize(byte[] data, Profile profile) {
        List<EvidenceParser.Item> out = new ArrayList<>();
        TextTokenizer tok = null;
        for (Doc d : documents(data)) {
            int[] ids = d.tokens();
            if (ids == null) {
                if ("none".equals(profile.tokenizer())) {
                    throw new ApiException(422, "corpus document " + d.id() + " is text, but the profile has no tokenizer"
                            + " (tokenizer none); upload token ids or use a profile with a tokenizer");
                }
                if (tok == null) {
                    tok = io.provmark.core.profile.ProfileTokenizers.resolve(profile); // checks the pinned vocabulary
                }
                ids = tok.encode(d.text());
            }
            out.add(new EvidenceParser.Item(d.id(), ids, new int[0]));
        }
        return out;
    }
}
