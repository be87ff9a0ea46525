package io.provmark.core.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Strict JSON form of a {@link Profile}. Unknown, missing and out-of-range fields fail with a
 * {@link ProfileException} that names the field, so nobody verifies against a guessed parameter.
 * Jackson stays internal: the public API is strings and records.
 */
public final class ProfileJson {
    // duplicate keys and trailing content are rejected: another parser could read them differently
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(1 << 16).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> TOP = Set.of("format", "scheme", "params", "prf", "context_width", "tokenizer",
            "vocab_size", "key_id", "dedup", "score_partial_context", "eos_token_id", "tokenizer_sha256");

    private ProfileJson() {
    }

    public static String write(Profile p) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", Profile.FORMAT);
        root.put("scheme", p.scheme());
        ObjectNode params = root.putObject("params");
        SchemeParams sp = p.params();
        if (sp instanceof RedGreenParams rg) {
            params.put("gamma", rg.gamma());
            params.put("delta", rg.delta());
            params.put("seeding", rg.seeding().wire());
        } else if (sp instanceof GumbelParams g) {
            params.put("repeated_context_window", g.repeatedContextWindow());
        } else if (sp instanceof SynthIdParams s) {
            params.put("depth", s.depth());
            ArrayNode w = params.putArray("weights");
            s.weights().forEach(w::add);
            params.put("score", s.score().wire());
            params.put("repeated_context_window", s.repeatedContextWindow());
        }
        root.put("prf", p.prf());
        root.put("context_width", p.contextWidth());
        root.put("tokenizer", p.tokenizer());
        // written only when pinned, so a profile without it round-trips byte for byte
        if (p.tokenizerSha256() != null) {
            root.put("tokenizer_sha256", p.tokenizerSha256());
        }
        root.put("vocab_size", p.vocabSize());
        root.put("key_id", p.keyId());
        root.put("dedup", p.dedup().wire());
        root.put("score_partial_context", p.scorePartialContext());
        if (p.eosTokenId() >= 0) {
            root.put("eos_token_id", p.eosTokenId());
        } else {
            root.putNull("eos_token_id");
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Profile read(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ProfileException("(document)", "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ProfileException("(document)", "must be a JSON object");
        }
        rejectUnknown(root, TOP, "");
        String format = text(root, "format");
        if (!Profile.FORMAT.equals(format)) {
            throw new ProfileException("format", "must be \"" + Profile.FORMAT + "\", got \"" + format + "\"");
        }
        String scheme = text(root, "scheme");
        JsonNode pn = required(root, "params");
        if (!pn.isObject()) {
            throw new ProfileException("params", "must be an object");
        }
        SchemeParams params = switch (scheme) {
            case RedGreenParams.SCHEME -> {
                rejectUnknown(pn, Set.of("gamma", "delta", "seeding"), "params.");
                yield new RedGreenParams(number(pn, "params.", "gamma"), number(pn, "params.", "delta"),
                        RedGreenParams.Seeding.parse(text(pn, "params.", "seeding")));
            }
            case GumbelParams.SCHEME -> {
                rejectUnknown(pn, Set.of("repeated_context_window"), "params.");
                yield new GumbelParams(integer(pn, "params.", "repeated_context_window"));
            }
            case SynthIdParams.SCHEME -> {
                rejectUnknown(pn, Set.of("depth", "weights", "score", "repeated_context_window"), "params.");
                JsonNode wn = required(pn, "params.", "weights");
                if (!wn.isArray()) {
                    throw new ProfileException("params.weights", "must be an array of integers");
                }
                List<Integer> weights = new ArrayList<>();
                for (JsonNode w : wn) {
                    if (!w.isIntegralNumber() || !w.canConvertToInt()) {
                        throw new ProfileException("params.weights", "entries must be integers, got " + w);
                    }
                    weights.add(w.intValue());
                }
                yield new SynthIdParams(integer(pn, "params.", "depth"), weights,
                        SynthIdParams.Score.parse(text(pn, "params.", "score")),
                        integer(pn, "params.", "repeated_context_window"));
            }
            default -> throw new ProfileException("scheme", "must be one of red-green, gumbel, synthid, got \"" + scheme + "\"");
        };
        JsonNode eos = required(root, "eos_token_id");
        int eosId;
        if (eos.isNull()) {
            eosId = -1;
        } else if (eos.isIntegralNumber() && eos.canConvertToInt()) {
            eosId = eos.intValue();
        } else {
            throw new ProfileException("eos_token_id", "must be an integer or null, got " + eos);
        }
        JsonNode partial = required(root, "score_partial_context");
        if (!partial.isBoolean()) {
            throw new ProfileException("score_partial_context", "must be true or false, got " + partial);
        }
        // optional: profiles written before it existed load as "vocabulary not pinned" (ProfileTokenizers)
        String tokSha = root.has("tokenizer_sha256") ? text(root, "tokenizer_sha256") : null;
        return new Profile(scheme, params, text(root, "prf"), integer(root, "", "context_width"),
                text(root, "tokenizer"), integer(root, "", "vocab_size"), text(root, "key_id"),
                DedupRule.parse("dedup", text(root, "dedup")), partial.booleanValue(), eosId, tokSha);
    }

    private static void rejectUnknown(JsonNode obj, Set<String> allowed, String prefix) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ProfileException(prefix + f, "is not a known field (allowed: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static JsonNode required(JsonNode obj, String field) {
        return required(obj, "", field);
    }

    private static JsonNode required(JsonNode obj, String prefix, String field) {
        JsonNode n = obj.get(field);
        if (n == null) {
            throw new ProfileException(prefix + field, "is missing");
        }
        return n;
    }

    private static String text(JsonNode obj, String field) {
        return text(obj, "", field);
    }

    private static String text(JsonNode obj, String prefix, String field) {
        JsonNode n = required(obj, prefix, field);
        if (!n.isTextual()) {
            throw new ProfileException(prefix + field, "must be a string, got " + n);
        }
        return n.textValue();
    }

    private static int integer(JsonNode obj, String prefix, String field) {
        JsonNode n = required(obj, prefix, field);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ProfileException(prefix + field, "must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static double number(JsonNode obj, String prefix, String field) {
        JsonNode n = required(obj, prefix, field);
        if (!n.isNumber()) {
            throw new ProfileException(prefix + field, "must be a number, got " + n);
        }
        return n.doubleValue();
    }
}
