package io.provmark.cli.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * One HTTP request to an OpenAI-compatible endpoint and the classification of what came back: an answer, a
 * failure worth retrying (429, 408, 5xx, timeouts, connection errors, non-JSON or malformed bodies, empty
 * answers), a permanent failure of this prompt (other 4xx) or a failure that stops the whole run (401/403:
 * the API key; 404: wrong URL or model). The API key is sent as a bearer token and never put in a message.
 */
public final class ProbeClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one attempt gave. */
    public enum Kind { ANSWER, RETRY, FAIL, FATAL }

    /**
     * The result of one attempt.
     *
     * @param kind            the class of the result
     * @param status          HTTP status, or 0 when no response came
     * @param message         what went wrong (null for an answer)
     * @param retryAfterMillis the server's Retry-After, or -1
     * @param connectFailure  whether the endpoint could not be reached at all
     * @param body            the raw response body (null when none)
     * @param response        the parsed response (answers only)
     * @param answer          the answer text (answers only)
     */
    public record Outcome(Kind kind, int status, String message, long retryAfterMillis, boolean connectFailure,
                          byte[] body, JsonNode response, String answer) {
    }

    private final ProbeSettings settings;
    private final String apiKey;
    private final HttpClient http;

    public ProbeClient(ProbeSettings settings, String apiKey) {
        this.settings = settings;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(settings.timeoutMillis()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The request body for a prompt: built once, so every retry sends the same bytes (and hash). */
    public byte[] requestBody(ProbePrompt p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", settings.model());
        if (settings.chat()) {
            if (p.messages() != null) {
                o.set("messages", p.messages());
            } else {
                ArrayNode ms = o.putArray("messages");
                ObjectNode m = ms.addObject();
                m.put("role", "user");
                m.put("content", p.text());
            }
        } else {
            if (p.text() == null) {
                throw new IllegalArgumentException("prompt " + p.id() + " has messages; the completions mode needs text");
            }
            o.put("prompt", p.text());
        }
        o.put("max_tokens", settings.maxTokens());
        o.put("temperature", settings.temperature());
        if (settings.topP() != null) {
            o.put("top_p", settings.topP());
        }
        if (settings.seed() != null) {
            o.put("seed", settings.seed());
        }
        if (settings.logprobs() != null) {
            if (settings.chat()) {
                o.put("logprobs", true);
                o.put("top_logprobs", settings.logprobs());
            } else {
                o.put("logprobs", settings.logprobs());
            }
        }
        if (settings.echo()) {
            o.put("echo", true);
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a request", e);
        }
    }

    /** Sends one attempt; interrupts propagate. */
    public Outcome send(byte[] body) throws InterruptedException {
        URI uri = settings.requestUri();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis(settings.timeoutMillis()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("User-Agent", "provmark-probe")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            return new Outcome(Kind.RETRY, 0, "cannot connect to " + uri + ": connect timed out after "
                    + settings.timeoutMillis() + " ms", -1, true, null, null, null);
        } catch (HttpTimeoutException e) {
            return new Outcome(Kind.RETRY, 0, "no response within " + settings.timeoutMillis() + " ms", -1, false,
                    null, null, null);
        } catch (ConnectException e) {
            return new Outcome(Kind.RETRY, 0, "cannot connect to " + uri + ": "
                    + (e.getMessage() == null ? "connection refused" : e.getMessage()), -1, true, null, null, null);
        } catch (IOException e) {
            return new Outcome(Kind.RETRY, 0, "I/O error talking to " + uri + ": " + e, -1, false, null, null, null);
        }
        return classify(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null), r.body());
    }

    /** Classifies a response (package-visible for tests). */
    Outcome classify(int status, String retryAfter, byte[] body) {
        if (status != 200) {
            String detail = errorMessage(body);
            String msg = "HTTP " + status + (detail == null ? "" : ": " + detail);
            if (status == 429) {
                return new Outcome(Kind.RETRY, status, msg, parseRetryAfter(retryAfter), false, body, null, null);
            }
            if (status == 408 || status == 409 || status == 425 || status >= 500) {
                return new Outcome(Kind.RETRY, status, msg, parseRetryAfter(retryAfter), false, body, null, null);
            }
            if (status == 401 || status == 403) {
                return new Outcome(Kind.FATAL, status, "the endpoint rejected the API key (" + msg
                        + "); set PROVMARK_PROBE_API_KEY to a valid key", -1, false, body, null, null);
            }
            if (status == 404) {
                return new Outcome(Kind.FATAL, status, "not found at " + settings.requestUri() + " (" + msg
                        + "); check --endpoint (the API base, e.g. http://host:port/v1) and --model", -1, false, body,
                        null, null);
            }
            return new Outcome(Kind.FAIL, status, "the endpoint refused the request (" + msg + ")", -1, false, body,
                    null, null);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return new Outcome(Kind.RETRY, status, "response is not valid UTF-8", -1, false, body, null, null);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new Outcome(Kind.RETRY, status, "response is not valid JSON (" + e.getOriginalMessage()
                    + "); it starts with: " + preview(text), -1, false, body, null, null);
        }
        if (root == null || !root.isObject()) {
            return new Outcome(Kind.RETRY, status, "malformed response: not a JSON object; it starts with: "
                    + preview(text), -1, false, body, null, null);
        }
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty() || !choices.get(0).isObject()) {
            return new Outcome(Kind.RETRY, status, "malformed response: no choices[0]", -1, false, body, null, null);
        }
        JsonNode c0 = choices.get(0);
        JsonNode answer = settings.chat() ? c0.path("message").get("content") : c0.get("text");
        if (answer == null || !answer.isTextual()) {
            return new Outcome(Kind.RETRY, status, "malformed response: choices[0]."
                    + (settings.chat() ? "message.content" : "text") + " is missing or not a string", -1, false, body,
                    null, null);
        }
        String a = answer.textValue();
        if (settings.echo() && a.length() > 0) {
            // reading mode: the answer includes the prompt; emptiness is judged on the whole text
            return new Outcome(Kind.ANSWER, status, null, -1, false, body, root, a);
        }
        if (a.isEmpty() && !settings.allowEmpty()) {
            return new Outcome(Kind.RETRY, status, "empty answer (finish_reason "
                    + c0.path("finish_reason").asText("missing") + ")", -1, false, body, null, null);
        }
        return new Outcome(Kind.ANSWER, status, null, -1, false, body, root, a);
    }

    private static String preview(String s) {
        String p = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "'" + p.replaceAll("\\p{Cntrl}", " ") + "'";
    }

    /** The {@code error.message} of an OpenAI-style error body, else a preview of the body, else null. */
    private static String errorMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        String s = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode n = JSON.readTree(s);
            if (n != null && n.path("error").path("message").isTextual()) {
                return n.get("error").get("message").textValue();
            }
        } catch (JsonProcessingException e) {
            // not JSON: show the start
        }
        return preview(s);
    }

    /** Retry-After as delta-seconds or an HTTP date, in milliseconds; -1 when absent or unreadable. */
    static long parseRetryAfter(String v) {
        if (v == null || v.isBlank()) {
            return -1;
        }
        String s = v.strip();
        try {
            long sec = Long.parseLong(s);
            return sec < 0 ? -1 : Math.min(sec, 86_400) * 1000;
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime t = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, t.toInstant().toEpochMilli() - System.currentTimeMillis());
            } catch (DateTimeParseException x) {
                return -1;
            }
        }
    }
}
