package io.provmark.corpora.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The evaluation's settings, read from JSON (see {@code eval/default.json} and docs/eval.md). Every key is
 * checked: an unknown key, scheme or attack, or a value out of range is an {@link EvalException} naming it.
 *
 * @param tokenizer     tokenizer id ({@code cl100k_base}, ...)
 * @param knOrder       order of the n-gram models
 * @param seed          seeds everything: the keys, sampling, the document choice and every attack
 * @param prompts       number of Brown test documents used as prompts
 * @param promptTokens  tokens of each prompt (the start of its document)
 * @param maxTokens     tokens generated per prompt
 * @param temperature   sampling temperature of the generator
 * @param topK          top-k truncation of generation and paraphrase (0 = whole vocabulary)
 * @param humanBrown    Brown test documents (not used as prompts) in the human null set
 * @param humanKjv      KJV test documents in the human null set
 * @param trainUnits    Brown train units per model (0 = all: half the train split each)
 * @param lengths       prefix lengths (tokens) for median p vs length
 * @param threads       worker threads (0 = available processors)
 * @param dataDir       corpus directory, or null for the default (docs/corpora.md)
 * @param schemes       scheme configurations
 * @param attacks       attack configurations
 */
public record EvalConfig(String tokenizer, int knOrder, long seed, int prompts, int promptTokens, int maxTokens,
                         double temperature, int topK, int humanBrown, int humanKjv, int trainUnits, List<Integer> lengths,
                         int threads, Path dataDir, List<SchemeSpec> schemes, List<AttackSpec> attacks) {

    /** A scheme row: a unique name and the profile parameters. */
    public record SchemeSpec(String name, SchemeParams params, int contextWidth) {
        public SchemeSpec {
            if (name == null || !name.matches("[a-z0-9][a-z0-9._-]*")) {
                throw new EvalException("scheme name must be lower-case letters, digits, '.', '_' or '-', got '" + name + "'");
            }
        }

        public String label() {
            if (params instanceof RedGreenParams) {
                RedGreenParams p = (RedGreenParams) params;
                return "red-green γ=" + Attacks.fmt(p.gamma()) + " δ=" + Attacks.fmt(p.delta()) + " h=" + contextWidth;
            }
            if (params instanceof SynthIdParams) {
                return "SynthID depth " + ((SynthIdParams) params).depth() + " h=" + contextWidth;
            }
            return "Gumbel h=" + contextWidth;
        }
    }

    /** An attack row: its type and parameter (NaN for none). */
    public record AttackSpec(String type, double param) {
    }

    public EvalConfig {
        if (schemes.isEmpty() || attacks.isEmpty()) {
            throw new EvalException("config needs at least one scheme and one attack");
        }
        schemes = List.copyOf(schemes);
        attacks = List.copyOf(attacks);
        lengths = List.copyOf(lengths);
    }

    /** The same config with another thread count (the CLI's --threads). */
    public EvalConfig withThreads(int n) {
        if (n < 0 || n > 1024) {
            throw new EvalException("threads must be in 0..1024, got " + n);
        }
        return new EvalConfig(tokenizer, knOrder, seed, prompts, promptTokens, maxTokens, temperature, topK, humanBrown,
                humanKjv, trainUnits, lengths, n, dataDir, schemes, attacks);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP = Set.of("tokenizer", "kn_order", "seed", "prompts", "prompt_tokens",
            "max_tokens", "temperature", "top_k", "human_brown", "human_kjv", "train_units", "lengths", "threads", "data_dir",
            "schemes", "attacks", "quick", "description");

    /**
     * Parses a config.
     *
     * @param json   the file's text
     * @param source the file name for messages
     * @param quick  apply the {@code quick} section's overrides (the small run the tests use)
     */
    public static EvalConfig parse(String json, String source, boolean quick) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EvalException("config " + source + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new EvalException("config " + source + " must be a JSON object");
        }
        ObjectNode o = ((ObjectNode) root).deepCopy();
        checkKeys(o, TOP, source, "");
        JsonNode q = o.remove("quick");
        if (quick) {
            if (q == null || !q.isObject()) {
                throw new EvalException("config " + source + ": --quick needs a \"quick\" object of overrides");
            }
            Set<String> allowed = new HashSet<>(TOP);
            allowed.remove("quick");
            checkKeys(q, allowed, source, "quick.");
            for (Map.Entry<String, JsonNode> e : q.properties()) {
                o.set(e.getKey(), e.getValue());
            }
        }
        String src = source;
        String tokenizer = str(o, "tokenizer", "cl100k_base", src);
        int knOrder = integer(o, "kn_order", 3, 2, 6, src);
        long seed = o.has("seed") ? longValue(o.get("seed"), "seed", src) : 1L;
        int prompts = integer(o, "prompts", 200, 1, 100_000, src);
        int promptTokens = integer(o, "prompt_tokens", 32, 1, 1000, src);
        int maxTokens = integer(o, "max_tokens", 200, 10, 5000, src);
        double temperature = dbl(o, "temperature", 1.0, src);
        if (!(temperature > 0 && temperature <= 100)) {
            throw new EvalException("config " + src + ": temperature must be in (0, 100], got " + temperature);
        }
        int topK = integer(o, "top_k", 0, 0, 1_000_000, src);
        int humanBrown = integer(o, "human_brown", 2000, 0, 1_000_000, src);
        int humanKjv = integer(o, "human_kjv", 1000, 0, 1_000_000, src);
        if (humanBrown + humanKjv == 0) {
            throw new EvalException("config " + src + ": the human null set is empty (human_brown + human_kjv = 0)");
        }
        int trainUnits = integer(o, "train_units", 0, 0, 100_000, src);
        List<Integer> lengths = new ArrayList<>();
        JsonNode l = o.get("lengths");
        if (l == null) {
            lengths.addAll(List.of(25, 50, 100));
        } else {
            if (!l.isArray() || l.isEmpty()) {
                throw new EvalException("config " + src + ": lengths must be a non-empty array of token counts");
            }
            for (JsonNode n : l) {
                if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
                    throw new EvalException("config " + src + ": lengths must be positive integers, got " + n);
                }
                lengths.add(n.asInt());
            }
        }
        int threads = integer(o, "threads", 0, 0, 1024, src);
        Path dataDir = o.has("data_dir") ? Path.of(str(o, "data_dir", null, src)) : null;

        List<SchemeSpec> schemes = new ArrayList<>();
        JsonNode ss = o.get("schemes");
        if (ss == null || !ss.isArray() || ss.isEmpty()) {
            throw new EvalException("config " + src + ": schemes must be a non-empty array");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ss.size(); i++) {
            SchemeSpec s = scheme(ss.get(i), src + ": schemes[" + i + "]");
            if (!names.add(s.name())) {
                throw new EvalException("config " + src + ": schemes[" + i + "]: duplicate scheme name '" + s.name() + "'");
            }
            schemes.add(s);
        }
        List<AttackSpec> attacks = new ArrayList<>();
        JsonNode as = o.get("attacks");
        if (as == null || !as.isArray() || as.isEmpty()) {
            throw new EvalException("config " + src + ": attacks must be a non-empty array");
        }
        Set<String> attackNames = new HashSet<>();
        for (int i = 0; i < as.size(); i++) {
            AttackSpec a = attack(as.get(i), src + ": attacks[" + i + "]");
            String n = Attacks.TYPES.get(a.type()) == null ? a.type() : a.type() + "-" + Attacks.fmt(a.param());
            if (!attackNames.add(n)) {
                throw new EvalException("config " + src + ": attacks[" + i + "]: duplicate attack '" + n + "'");
            }
            attacks.add(a);
        }
        return new EvalConfig(tokenizer, knOrder, seed, prompts, promptTokens, maxTokens, temperature, topK, humanBrown,
                humanKjv, trainUnits, lengths, threads, dataDir, schemes, attacks);
    }

    private static SchemeSpec scheme(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw new EvalException("config " + where + " must be an object");
        }
        String type = str(n, "scheme", null, where);
        if (type == null) {
            throw new EvalException("config " + where + ": missing \"scheme\" (red-green, gumbel or synthid)");
        }
        SchemeParams params;
        int h;
        switch (type) {
            case RedGreenParams.SCHEME:
                checkKeys(n, Set.of("scheme", "name", "gamma", "delta", "context_width"), where, "");
                h = integer(n, "context_width", 1, 0, 8, where);
                params = build(where, () -> new RedGreenParams(dbl(n, "gamma", 0.25, where), dbl(n, "delta", 2.0, where),
                        RedGreenParams.Seeding.LEFT_HASH));
                break;
            case GumbelParams.SCHEME:
                checkKeys(n, Set.of("scheme", "name", "context_width"), where, "");
                h = integer(n, "context_width", 2, 1, 8, where);
                params = build(where, () -> new GumbelParams(0));
                break;
            case SynthIdParams.SCHEME:
                checkKeys(n, Set.of("scheme", "name", "context_width", "depth"), where, "");
                h = integer(n, "context_width", 3, 1, 8, where);
                int depth = integer(n, "depth", 30, 1, SynthIdParams.MAX_DEPTH, where);
                params = build(where, () -> new SynthIdParams(depth, SynthIdParams.defaultWeights(depth),
                        SynthIdParams.Score.WEIGHTED_MEAN, 0));
                break;
            default:
                throw new EvalException("config " + where + ": unknown scheme '" + type
                        + "'; known: red-green, gumbel, synthid");
        }
        String name = str(n, "name", type, where);
        return new SchemeSpec(name, params, h);
    }

    private static SchemeParams build(String where, java.util.function.Supplier<SchemeParams> f) {
        try {
            return f.get();
        } catch (RuntimeException e) {
            throw new EvalException("config " + where + ": " + e.getMessage());
        }
    }

    private static AttackSpec attack(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw new EvalException("config " + where + " must be an object like {\"attack\": \"delete\", \"rate\": 0.1}");
        }
        String type = str(n, "attack", null, where);
        if (type == null) {
            throw new EvalException("config " + where + ": missing \"attack\"");
        }
        if (!Attacks.TYPES.containsKey(type)) {
            throw new EvalException("config " + where + ": unknown attack '" + type + "'; known: "
                    + String.join(", ", Attacks.TYPES.keySet()));
        }
        String p = Attacks.TYPES.get(type);
        if (p == null) {
            checkKeys(n, Set.of("attack"), where, "");
            return new AttackSpec(type, Double.NaN);
        }
        checkKeys(n, Set.of("attack", p), where, "");
        if (!n.has(p)) {
            throw new EvalException("config " + where + ": attack '" + type + "' needs \"" + p + "\"");
        }
        double v = dbl(n, p, 0, where);
        try {
            Attacks.checkParam(type, v);
        } catch (IllegalArgumentException e) {
            throw new EvalException("config " + where + ": " + e.getMessage());
        }
        return new AttackSpec(type, v);
    }

    private static void checkKeys(JsonNode o, Set<String> allowed, String where, String prefix) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new EvalException("config " + where + ": unknown key \"" + prefix + k + "\"; allowed: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private static String str(JsonNode o, String key, String dflt, String where) {
        JsonNode n = o.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw new EvalException("config " + where + ": \"" + key + "\" must be a non-empty string, got " + n);
        }
        return n.asText();
    }

    private static int integer(JsonNode o, String key, int dflt, int min, int max, String where) {
        JsonNode n = o.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw new EvalException("config " + where + ": \"" + key + "\" must be an integer in " + min + ".." + max
                    + ", got " + n);
        }
        return n.asInt();
    }

    private static long longValue(JsonNode n, String key, String where) {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new EvalException("config " + where + ": \"" + key + "\" must be an integer, got " + n);
        }
        return n.asLong();
    }

    private static double dbl(JsonNode o, String key, double dflt, String where) {
        JsonNode n = o.get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new EvalException("config " + where + ": \"" + key + "\" must be a number, got " + n);
        }
        return n.asDouble();
    }
}
