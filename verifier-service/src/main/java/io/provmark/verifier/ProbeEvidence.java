package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileTokenizers;
import io.provmark.core.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Evidence kind {@code probe-run}: the answers file {@code provmark probe --out} writes (one JSON record per
 * answered prompt, see docs/probe.md), uploaded as it is. At intake every record is checked: an {@code id}
 * (unique), the {@code answer} text, optional {@code answer_tokens} / {@code prompt_tokens}, and — the chain of
 * custody — when the raw {@code request} / {@code response} bodies are kept, their SHA-256 must equal the
 * recorded {@code request_sha256} / {@code response_sha256}. A record without {@code answer_tokens} is
 * tokenized with the profile's tokenizer when the job runs. Other fields (times, attempts, logprobs, ...) are
 * kept in the stored file but not interpreted.
 */
final class ProbeEvidence {
    static final String KIND = "probe-run";

    // probe records nest deeper than token-id lines (usage, logprobs with top_logprobs objects)
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One probe answer: tokens may be null (text only, tokenized when the job runs). */
    private record Answer(String id, String text, int[] tokens, int[] prompt) {
    }

    private ProbeEvidence() {
    }

    /** Checks the whole file; the items carry null tokens for text-only answers. */
    static List<EvidenceParser.Item> parse(byte[] data) {
        List<EvidenceParser.Item> out = new ArrayList<>();
        for (Answer a : answers(data)) {
            out.add(new EvidenceParser.Item(a.id(), a.tokens(), a.prompt()));
        }
        return out;
    }

    /** The answers as scoring records, text-only answers tokenized with the profile's (pinned) tokenizer. */
    static List<EvidenceParser.Item> tokenize(byte[] data, Profile profile) {
        List<EvidenceParser.Item> out = new ArrayList<>();
        TextTokenizer tok = null;
        for (Answer a : answers(data)) {
            int[] ids = a.tokens();
            if (ids == null) {
                if ("none".equals(profile.tokenizer())) {
                    throw new ApiException(422, "probe answer " + a.id() + " has no answer_tokens and the profile has no"
                            + " tokenizer (tokenizer none); probe with an endpoint that returns token ids, or use a"
                            + " profile with the suspect's tokenizer");
                }
                if (tok == null) {
                    tok = ProfileTokenizers.resolve(profile);
                }
                ids = tok.encode(a.text());
            }
            out.add(new EvidenceParser.Item(a.id(), ids, a.prompt()));
        }
        return out;
    }

    private static List<Answer> answers(byte[] data) {
        List<Answer> out = EvidenceParser.jsonLines(data, "probe-run evidence", "records", JSON, 16,
                "expected a probe record (a JSON object with id and answer)", ProbeEvidence::parseLine);
        Set<String> ids = new HashSet<>();
        for (Answer a : out) {
            if (!ids.add(a.id())) {
                throw new ApiException(400, "answer id \"" + a.id() + "\" appears twice (a probe answers file holds"
                        + " each prompt once)");
            }
        }
        return out;
    }

    private static Answer parseLine(JsonNode node, int lineNo, String where) {
        String id = EvidenceParser.recordId(node, lineNo, where, true);
        JsonNode answer = node.get("answer");
        if (answer == null || !answer.isTextual()) {
            throw new ApiException(400, where + ": a probe record needs the \"answer\" text");
        }
        custody(node, "request", where);
        custody(node, "response", where);
        int[] tokens = node.has("answer_tokens") ? EvidenceParser.ints(node.get("answer_tokens"), where, "answer_tokens", true)
                : null;
        if (tokens == null && answer.asText().isEmpty()) {
            throw new ApiException(400, where + ": the answer is empty");
        }
        int[] prompt = node.has("prompt_tokens") ? EvidenceParser.ints(node.get("prompt_tokens"), where, "prompt_tokens", false)
                : new int[0];
        return new Answer(id, answer.asText(), tokens, prompt);
    }

    /** The raw body, when kept, must hash to the recorded SHA-256: a record edited after the probe is refused. */
    private static void custody(JsonNode node, String field, String where) {
        JsonNode body = node.get(field);
        if (body == null || body.isNull()) {
            return;
        }
        JsonNode sha = node.get(field + "_sha256");
        if (!body.isTextual() || sha == null || !sha.isTextual()) {
            throw new ApiException(400, where + ": \"" + field + "\" must be the raw body as a string, with its \""
                    + field + "_sha256\"");
        }
        String actual = ReportFiles.sha256(body.asText().getBytes(StandardCharsets.UTF_8));
        if (!actual.equals(sha.asText())) {
            throw new ApiException(400, where + ": the stored " + field + " body does not match its recorded " + field
                    + "_sha256 (the record was changed after it was probed)");
        }
    }
}
