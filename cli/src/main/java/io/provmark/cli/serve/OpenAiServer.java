package io.provmark.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.provmark.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible HTTP front for a {@link ServedModel} (Javalin): {@code POST /v1/completions},
 * {@code POST /v1/chat/completions}, {@code GET /v1/models}, {@code GET /v1/models/{id}}. Response shapes follow
 * OpenAI's; errors are {@code {"error": {"message", "type", "param", "code"}}} with a 4xx/5xx status. Every
 * choice also carries {@code token_ids} and {@code prompt_token_ids} (the ids behind the text, as vLLM can
 * return them), so a caller need not re-tokenize. {@code stream: true} sends server-sent events. See
 * {@code docs/probe.md}.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HANDLED = "provmark.handled";
    /** Largest request body. */
    private static final long MAX_BODY = 8L << 20;
    private static final int MAX_N = 16;

    /** Called before each generation request is handled, with its index (instrumentation, tests). */
    @FunctionalInterface
    public interface RequestHook {
        void beforeRequest(long index) throws InterruptedException;
    }

    /** Server settings. */
    public static final class Config {
        /** Interface to bind; loopback unless asked otherwise. */
        public String host = "127.0.0.1";
        /** TCP port; 0 = any free port. */
        public int port = 0;
        /** When set, every request must carry {@code Authorization: Bearer <apiKey>}. */
        public String apiKey;
        /** Injected faults (tests of clients). */
        public FaultSpec faults = FaultSpec.NONE;
        /** Largest max_tokens a request may ask for. */
        public int maxTokensLimit = 4096;
        /** Default max_tokens of chat requests that give none (completions default to 16, as OpenAI's). */
        public int chatDefaultMaxTokens = 256;
        /** Optional hook before each generation request. */
        public RequestHook hook;
        /**
         * Per-account variants of the served model (same model and tokenizer, each watermarked with its
         * account's key), by lower-case hex SHA-256 of the account's API key. When non-empty every request
         * needs a bearer token: an account's key selects its variant, {@link #apiKey} (if set) the default.
         */
        public Map<String, ServedModel> accounts = Map.of();
    }

    private final ServedModel model;
    private final Config config;
    private final byte[] apiKey;
    private final Javalin app;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicLong requests = new AtomicLong();
    private final Map<FaultSpec.Fault, AtomicLong> faultCounts = new EnumMap<>(FaultSpec.Fault.class);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final SecureRandom random = new SecureRandom();

    private OpenAiServer(ServedModel model, Config config) {
        this.model = model;
        this.config = config;
        this.apiKey = config.apiKey == null ? null : config.apiKey.getBytes(StandardCharsets.UTF_8);
        for (FaultSpec.Fault f : FaultSpec.Fault.values()) {
            faultCounts.put(f, new AtomicLong());
        }
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = MAX_BODY;
        });
        routes();
    }

    /** Starts serving; {@link #port()} tells the port when {@code config.port} was 0. */
    public static OpenAiServer start(ServedModel model, Config config) {
        if (config.port < 0 || config.port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + config.port);
        }
        if (config.apiKey != null && config.apiKey.isEmpty()) {
            throw new IllegalArgumentException("the model API key is set but empty");
        }
        for (ServedModel a : config.accounts.values()) {
            if (!a.name().equals(model.name()) || a.tokenizer() != model.tokenizer() || a.vocabSize() != model.vocabSize()) {
                throw new IllegalArgumentException("account variants must serve the same model and tokenizer");
            }
        }
        for (String k : config.accounts.keySet()) {
            if (!k.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("account keys are listed by lower-case hex SHA-256");
            }
        }
        OpenAiServer s = new OpenAiServer(model, config);
        s.app.start(config.host, config.port);
        return s;
    }

    public int port() {
        return app.port();
    }

    /** Generation requests received so far (the index of the next one). */
    public long requestCount() {
        return requests.get();
    }

    /** How many requests got each injected fault ({@code NONE}: answered normally). */
    public long faultCount(FaultSpec.Fault f) {
        return faultCounts.get(f).get();
    }

    @Override
    public void close() {
        closing.countDown(); // wakes stalled requests
        app.stop();
    }

    // ------------------------------------------------------------------ routing

    /** An error answered as OpenAI's error JSON. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String type;
        final String param;
        final String code;

        ApiError(int status, String type, String param, String code, String message) {
            super(message);
            this.status = status;
            this.type = type;
            this.param = param;
            this.code = code;
        }

        static ApiError invalid(String param, String message) {
            return new ApiError(400, "invalid_request_error", param, null, message);
        }
    }

    private void routes() {
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.type, e.param, e.code, e.getMessage()));
        app.exception(Exception.class, (e, ctx) ->
                error(ctx, 500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName()));
        app.error(404, ctx -> {
            if (ctx.attribute(HANDLED) == null) {
                error(ctx, 404, "invalid_request_error", null, "unknown_url",
                        "unknown URL: " + ctx.method() + " " + ctx.path() + " (this server has /v1/completions, "
                                + "/v1/chat/completions and /v1/models)");
            }
        });
        app.get("/v1/models", ctx -> {
            authorize(ctx);
            ObjectNode o = JSON.createObjectNode();
            o.put("object", "list");
            o.putArray("data").add(modelObject());
            json(ctx, 200, o);
        });
        app.get("/v1/models/{id}", ctx -> {
            authorize(ctx);
            if (!model.name().equals(ctx.pathParam("id"))) {
                throw modelNotFound(ctx.pathParam("id"));
            }
            json(ctx, 200, modelObject());
        });
        app.post("/v1/completions", ctx -> generation(ctx, false));
        app.post("/v1/chat/completions", ctx -> generation(ctx, true));
    }

    private ObjectNode modelObject() {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", model.name());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "provmark");
        return m;
    }

    private ApiError modelNotFound(String name) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + name + "' does not exist; this server serves '" + model.name() + "'");
    }

    /** Checks the caller's API key; returns the model variant to generate with (an account's, else the default). */
    private ServedModel authorize(Context ctx) {
        if (apiKey == null && config.accounts.isEmpty()) {
            return model;
        }
        String h = ctx.header("Authorization");
        byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : null;
        if (given != null && !config.accounts.isEmpty()) {
            // looked up by hash: the server keeps no account key in clear
            ServedModel account = config.accounts.get(sha256Hex(given));
            if (account != null) {
                return account;
            }
        }
        // constant-time comparison; the key itself never appears in a message
        if (given == null || apiKey == null || !MessageDigest.isEqual(given, apiKey)) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    given == null ? "missing API key: send 'Authorization: Bearer <key>'" : "incorrect API key provided");
        }
        return model;
    }

    /** Lower-case hex SHA-256, as account keys are listed. */
    public static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void generation(Context ctx, boolean chat) throws Exception {
        ServedModel active = authorize(ctx);
        long index = requests.getAndIncrement();
        if (config.hook != null) {
            config.hook.beforeRequest(index);
        }
        FaultSpec.Fault fault = config.faults.decide(index);
        faultCounts.get(fault).incrementAndGet();
        switch (fault) {
            case TOO_MANY_REQUESTS:
                ctx.header("Retry-After", Integer.toString(config.faults.retryAfterSec()));
                error(ctx, 429, "rate_limit_exceeded", null, "rate_limit_exceeded",
                        "Rate limit reached (injected fault, request " + index + ")");
                return;
            case SERVER_ERROR:
                error(ctx, 500, "server_error", null, null, "The server had an error (injected fault, request " + index + ")");
                return;
            case MALFORMED:
                ctx.status(200).contentType("application/json")
                        .result("{\"id\":\"cmpl-injected\",\"object\":\"text_completion\",\"choices\":[{\"text\":\"");
                return;
            case STALL:
                closing.await(config.faults.stallMillis(), TimeUnit.MILLISECONDS);
                break;
            default:
                break;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ctx.bodyAsBytes());
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "request body must be a JSON object");
        }
        JsonNode name = body.get("model");
        if (name == null || !name.isTextual()) {
            throw ApiError.invalid("model", "you must provide a model parameter (a string)");
        }
        if (!model.name().equals(name.textValue())) {
            throw modelNotFound(name.textValue());
        }
        if (boolParam(body, "stream")) {
            stream(ctx, body, chat, fault == FaultSpec.Fault.EMPTY, active);
            return;
        }
        ObjectNode resp = chat ? chat(body, fault == FaultSpec.Fault.EMPTY, active)
                : completion(body, fault == FaultSpec.Fault.EMPTY, active);
        json(ctx, 200, resp);
    }

    // ------------------------------------------------------------------ request parsing

    private static int intParam(JsonNode body, String name, int dflt, int min, int max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
            throw ApiError.invalid(name, name + " must be an integer in " + min + ".." + max + ", got " + n);
        }
        return n.intValue();
    }

    private static double numParam(JsonNode body, String name, double dflt) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw ApiError.invalid(name, name + " must be a number, got " + n);
        }
        return n.doubleValue();
    }

    private static boolean boolParam(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiError.invalid(name, name + " must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static List<String> stops(JsonNode body) {
        JsonNode n = body.get("stop");
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray() && n.size() <= 4) {
            for (JsonNode s : n) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or an array of up to 4 strings");
                }
                out.add(s.textValue());
            }
        } else {
            throw ApiError.invalid("stop", "stop must be a string or an array of up to 4 strings");
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiError.invalid("stop", "stop strings must not be empty");
            }
        }
        return out;
    }

    private ServedModel.Params params(JsonNode body, int maxTokens, int topK) {
        double temperature = numParam(body, "temperature", 1.0);
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiError.invalid("temperature", "temperature must be in [0, 2], got " + temperature);
        }
        double topP = numParam(body, "top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        return new ServedModel.Params(maxTokens, temperature, topP, topK, stops(body));
    }

    /** The per-choice seeds: from the request's seed when given (reproducible), else fresh. */
    private long[] seeds(JsonNode body, int n) {
        JsonNode s = body.get("seed");
        long base;
        if (s == null || s.isNull()) {
            base = random.nextLong();
        } else if (s.isIntegralNumber() && s.canConvertToLong()) {
            base = s.longValue();
        } else {
            throw ApiError.invalid("seed", "seed must be an integer, got " + s);
        }
        SplittableRandom r = new SplittableRandom(base);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.split().nextLong();
        }
        return out;
    }

    private int[] promptIds(JsonNode p) {
        if (p == null || p.isNull()) {
            throw ApiError.invalid("prompt", "you must provide a prompt (a string or an array of token ids)");
        }
        if (p.isTextual()) {
            return model.tokenizer().encode(p.textValue());
        }
        if (p.isArray() && p.size() > 0 && p.get(0).isIntegralNumber()) {
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = p.get(i);
                if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= model.vocabSize()) {
                    throw ApiError.invalid("prompt", "prompt[" + i + "] = " + t + " is not a token id 0.."
                            + (model.vocabSize() - 1));
                }
                ids[i] = t.intValue();
            }
            return ids;
        }
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            return model.tokenizer().encode(p.get(0).textValue());
        }
        throw ApiError.invalid("prompt", "prompt must be a string or an array of token ids; batched prompts are not"
                + " supported (send one request per prompt)");
    }

    // ------------------------------------------------------------------ completions

    private ObjectNode completion(JsonNode body, boolean emptyFault, ServedModel active) {
        int[] prompt = promptIds(body.get("prompt"));
        boolean echo = boolParam(body, "echo");
        int maxTokens = intParam(body, "max_tokens", 16, 0, config.maxTokensLimit);
        if (maxTokens == 0 && !echo) {
            throw ApiError.invalid("max_tokens", "max_tokens must be >= 1 unless echo is true");
        }
        if (prompt.length == 0 && !echo) {
            throw ApiError.invalid("prompt", "prompt is empty");
        }
        int topK = intParam(body, "logprobs", -1, 0, ServedModel.MAX_TOP);
        int n = intParam(body, "n", 1, 1, MAX_N);
        ServedModel.Params params = params(body, emptyFault ? 0 : maxTokens, topK);
        long[] seeds = seeds(body, n);
        TextTokenizer tok = model.tokenizer();
        ServedModel.Scores promptScores = echo && topK >= 0 ? model.read(prompt, topK) : null;
        String promptText = tok.decode(prompt);
        ObjectNode o = envelope("cmpl-" + hexId(), "text_completion", System.currentTimeMillis() / 1000);
        ArrayNode choices = o.putArray("choices");
        long completionTokens = 0;
        for (int c = 0; c < n; c++) {
            ServedModel.Generation g = generate(active, prompt, params, seeds[c], emptyFault);
            completionTokens += g.ids().length;
            String text = tok.decode(g.ids());
            ObjectNode ch = choices.addObject();
            ch.put("text", echo ? promptText + text : text);
            ch.put("index", c);
            if (topK < 0) {
                ch.putNull("logprobs");
            } else {
                ObjectNode lp = ch.putObject("logprobs");
                ArrayNode tokens = lp.putArray("tokens");
                ArrayNode tokenLps = lp.putArray("token_logprobs");
                ArrayNode tops = lp.putArray("top_logprobs");
                ArrayNode offsets = lp.putArray("text_offset");
                ArrayNode ids = lp.putArray("token_ids");
                ArrayNode topIds = lp.putArray("top_token_ids");
                int base = 0;
                if (echo) {
                    appendLogprobs(prompt, promptScores, 0, tokens, tokenLps, tops, offsets, ids, topIds);
                    base = promptText.length();
                }
                appendLogprobs(g.ids(), g.scores(), base, tokens, tokenLps, tops, offsets, ids, topIds);
            }
            finishChoice(ch, g, prompt);
        }
        usage(o, prompt.length, completionTokens);
        return o;
    }

    private void appendLogprobs(int[] seq, ServedModel.Scores s, int base, ArrayNode tokens, ArrayNode tokenLps,
                                ArrayNode tops, ArrayNode offsets, ArrayNode ids, ArrayNode topIds) {
        TextTokenizer tok = model.tokenizer();
        int[] off = offsets(seq);
        for (int i = 0; i < seq.length; i++) {
            tokens.add(tok.decode(new int[] {seq[i]}));
            ids.add(seq[i]);
            offsets.add(base + off[i]);
            if (Double.isNaN(s.logprob()[i])) {
                tokenLps.addNull();
                tops.addNull();
                topIds.addNull();
                continue;
            }
            tokenLps.add(s.logprob()[i]);
            ObjectNode t = tops.addObject();
            ArrayNode ti = topIds.addArray();
            for (int j = 0; j < s.topIds()[i].length; j++) {
                String piece = tok.decode(new int[] {s.topIds()[i][j]});
                if (!t.has(piece)) { // two ids can decode alike (partial UTF-8); top_token_ids keeps both
                    t.put(piece, s.topLp()[i][j]);
                }
                ti.add(s.topIds()[i][j]);
            }
        }
    }

    /** Character offset where each token's text starts in the decoded sequence. */
    private int[] offsets(int[] seq) {
        int[] off = new int[seq.length];
        for (int i = 1; i < seq.length; i++) {
            off[i] = model.tokenizer().decode(Arrays.copyOf(seq, i)).length();
        }
        return off;
    }

    private static void usage(ObjectNode o, long prompt, long completion) {
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
    }

    // ------------------------------------------------------------------ chat

    private List<ChatTemplate.Message> messages(JsonNode body) {
        JsonNode ms = body.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array of {role, content}");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String role = m.path("role").isTextual() ? m.get("role").textValue() : null;
            JsonNode c = m.get("content");
            String content;
            if (c != null && c.isTextual()) {
                content = c.textValue();
            } else if (c != null && c.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : c) {
                    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                        throw ApiError.invalid("messages[" + i + "].content", "only text content parts are supported");
                    }
                    sb.append(part.get("text").textValue());
                }
                content = sb.toString();
            } else {
                throw ApiError.invalid("messages[" + i + "].content", "content must be a string or text parts");
            }
            try {
                out.add(new ChatTemplate.Message(role, content));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("messages[" + i + "]", e.getMessage());
            }
        }
        return out;
    }

    private ObjectNode chat(JsonNode body, boolean emptyFault, ServedModel active) {
        int[] prompt = model.tokenizer().encode(ChatTemplate.render(messages(body)));
        int maxTokens = body.hasNonNull("max_completion_tokens")
                ? intParam(body, "max_completion_tokens", config.chatDefaultMaxTokens, 1, config.maxTokensLimit)
                : intParam(body, "max_tokens", config.chatDefaultMaxTokens, 1, config.maxTokensLimit);
        boolean logprobs = boolParam(body, "logprobs");
        int topK = intParam(body, "top_logprobs", 0, 0, ServedModel.MAX_TOP);
        if (!logprobs && body.hasNonNull("top_logprobs")) {
            throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
        }
        int n = intParam(body, "n", 1, 1, MAX_N);
        ServedModel.Params params = params(body, emptyFault ? 0 : maxTokens, logprobs ? topK : -1);
        long[] seeds = seeds(body, n);
        TextTokenizer tok = model.tokenizer();
        ObjectNode o = envelope("chatcmpl-" + hexId(), "chat.completion", System.currentTimeMillis() / 1000);
        ArrayNode choices = o.putArray("choices");
        long completionTokens = 0;
        for (int c = 0; c < n; c++) {
            ServedModel.Generation g = generate(active, prompt, params, seeds[c], emptyFault);
            completionTokens += g.ids().length;
            ObjectNode ch = choices.addObject();
            ch.put("index", c);
            ObjectNode msg = ch.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", tok.decode(g.ids()));
            if (!logprobs) {
                ch.putNull("logprobs");
            } else {
                ArrayNode content = ch.putObject("logprobs").putArray("content");
                for (int i = 0; i < g.ids().length; i++) {
                    ObjectNode e = content.addObject();
                    tokenEntry(e, g.ids()[i], g.scores().logprob()[i]);
                    ArrayNode tops = e.putArray("top_logprobs");
                    for (int j = 0; j < g.scores().topIds()[i].length; j++) {
                        tokenEntry(tops.addObject(), g.scores().topIds()[i][j], g.scores().topLp()[i][j]);
                    }
                }
            }
            finishChoice(ch, g, prompt);
        }
        usage(o, prompt.length, completionTokens);
        return o;
    }

    private void tokenEntry(ObjectNode e, int id, double lp) {
        String piece = model.tokenizer().decode(new int[] {id});
        e.put("token", piece);
        e.put("logprob", lp);
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        e.put("token_id", id);
    }

    // ------------------------------------------------------------------ streaming

    /**
     * {@code stream: true}: server-sent events as OpenAI sends them, one chunk per token, then {@code [DONE]}.
     * Each answer is generated whole first and then sent (a Kneser-Ney step takes about a millisecond); text
     * deltas hold back a token that ends inside a UTF-8 character until the character is complete, so the
     * concatenated deltas are exactly the non-streamed text. Log-probabilities and echo are not streamed (400).
     */
    private void stream(Context ctx, JsonNode body, boolean chat, boolean emptyFault, ServedModel active)
            throws IOException {
        int[] prompt;
        int maxTokens;
        if (chat) {
            prompt = model.tokenizer().encode(ChatTemplate.render(messages(body)));
            maxTokens = body.hasNonNull("max_completion_tokens")
                    ? intParam(body, "max_completion_tokens", config.chatDefaultMaxTokens, 1, config.maxTokensLimit)
                    : intParam(body, "max_tokens", config.chatDefaultMaxTokens, 1, config.maxTokensLimit);
            if (boolParam(body, "logprobs")) {
                throw ApiError.invalid("logprobs", "logprobs are not supported with stream=true");
            }
        } else {
            prompt = promptIds(body.get("prompt"));
            if (prompt.length == 0) {
                throw ApiError.invalid("prompt", "prompt is empty");
            }
            maxTokens = intParam(body, "max_tokens", 16, 1, config.maxTokensLimit);
            if (boolParam(body, "echo") || body.hasNonNull("logprobs")) {
                throw ApiError.invalid(boolParam(body, "echo") ? "echo" : "logprobs",
                        "echo and logprobs are not supported with stream=true");
            }
        }
        int n = intParam(body, "n", 1, 1, MAX_N);
        ServedModel.Params params = params(body, emptyFault ? 0 : maxTokens, -1);
        long[] seeds = seeds(body, n);
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        List<ServedModel.Generation> gens = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            gens.add(active.generate(prompt, params, seeds[c]));
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + hexId();
        long createdAt = System.currentTimeMillis() / 1000;
        ctx.attribute(HANDLED, Boolean.TRUE);
        ctx.status(200).contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        java.io.OutputStream os = ctx.res().getOutputStream();
        TextTokenizer tok = model.tokenizer();
        long completionTokens = 0;
        for (int c = 0; c < n; c++) {
            int[] ids = gens.get(c).ids();
            completionTokens += ids.length;
            if (chat) {
                ObjectNode d = JSON.createObjectNode();
                d.put("role", "assistant");
                d.put("content", "");
                event(os, chunk(id, createdAt, chat, c, d, null));
            }
            int sent = 0;
            for (int i = 1; i <= ids.length; i++) {
                String text = tok.decode(Arrays.copyOf(ids, i));
                if (i < ids.length && text.endsWith("\uFFFD")) {
                    continue; // the token ends inside a character: wait for the rest of its bytes
                }
                if (text.length() > sent) {
                    event(os, chunk(id, createdAt, chat, c, text.substring(sent), null));
                    sent = text.length();
                }
            }
            event(os, chunk(id, createdAt, chat, c, chat ? JSON.createObjectNode() : "", gens.get(c).finishReason()));
        }
        if (usage) {
            ObjectNode u = envelope(id, chat ? "chat.completion.chunk" : "text_completion", createdAt);
            u.putArray("choices");
            usage(u, prompt.length, completionTokens);
            event(os, u);
        }
        os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    private ObjectNode chunk(String id, long createdAt, boolean chat, int index, Object delta, String finish) {
        ObjectNode o = envelope(id, chat ? "chat.completion.chunk" : "text_completion", createdAt);
        ObjectNode ch = o.putArray("choices").addObject();
        ch.put("index", index);
        if (chat) {
            if (delta instanceof String) {
                ObjectNode d = JSON.createObjectNode();
                d.put("content", (String) delta);
                ch.set("delta", d);
            } else {
                ch.set("delta", (JsonNode) delta);
            }
        } else {
            ch.put("text", (String) delta);
        }
        ch.putNull("logprobs");
        if (finish == null) {
            ch.putNull("finish_reason");
        } else {
            ch.put("finish_reason", finish);
        }
        return o;
    }

    private static void event(java.io.OutputStream os, JsonNode data) throws IOException {
        os.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    // ------------------------------------------------------------------ output

    /** The fields every completion, chat completion and stream chunk starts with. */
    private ObjectNode envelope(String id, String object, long created) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model.name());
        return o;
    }

    /** One choice's generation; the empty-answer fault keeps its scores but answers nothing ("stop"). */
    private static ServedModel.Generation generate(ServedModel active, int[] prompt, ServedModel.Params params,
            long seed, boolean emptyFault) {
        ServedModel.Generation g = active.generate(prompt, params, seed);
        return emptyFault ? new ServedModel.Generation(new int[0], g.scores(), "stop") : g;
    }

    /** finish_reason and the token ids of answer and prompt, the last fields of a non-streamed choice. */
    private static void finishChoice(ObjectNode ch, ServedModel.Generation g, int[] prompt) {
        ch.put("finish_reason", g.finishReason());
        ArrayNode ti = ch.putArray("token_ids");
        Arrays.stream(g.ids()).forEach(ti::add);
        ArrayNode pi = ch.putArray("prompt_token_ids");
        Arrays.stream(prompt).forEach(pi::add);
    }

    private String hexId() {
        byte[] b = new byte[12];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void json(Context ctx, int status, JsonNode body) throws JsonProcessingException {
        ctx.attribute(HANDLED, Boolean.TRUE);
        ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
    }

    private static void error(Context ctx, int status, String type, String param, String code, String message) {
        ObjectNode e = JSON.createObjectNode();
        ObjectNode inner = e.putObject("error");
        inner.put("message", message);
        inner.put("type", type);
        if (param == null) {
            inner.putNull("param");
        } else {
            inner.put("param", param);
        }
        if (code == null) {
            inner.putNull("code");
        } else {
            inner.put("code", code);
        }
        try {
            json(ctx, status, e);
        } catch (JsonProcessingException x) {
            ctx.status(500).result("{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\"}}");
        }
    }
}
