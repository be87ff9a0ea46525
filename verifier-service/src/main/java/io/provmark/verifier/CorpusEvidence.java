package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.Profile;
import io.provmark.core.text.TextTokenizer;
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
        return EvidenceParser.jsonLines(data, "corpus evidence", "documents", JSON, 8,
                "expected a JSON object {\"id\": ..., \"text\": \"...\"} or with \"tokens\"", CorpusEvidence::parseLine);
    }

    private static Doc parseLine(JsonNode node, int lineNo, String where) {
        String id = EvidenceParser.recordId(node, lineNo, where, false);
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
        return new Doc(id, null, EvidenceParser.ints(tokens, where, "tokens", false));
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
