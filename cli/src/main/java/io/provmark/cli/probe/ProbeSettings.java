package io.provmark.cli.probe;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * How {@link Prober} asks the endpoint. The API key is deliberately not part of this record (records print
 * their fields); it is handed to {@link ProbeClient} separately.
 *
 * @param endpoint       API base URL, e.g. {@code http://127.0.0.1:8471/v1}
 * @param model          model name sent in every request
 * @param chat           true: {@code /chat/completions}; false: {@code /completions}
 * @param concurrency    requests in flight at most
 * @param ratePerSecond  requests started per second at most (retries included); 0 = unlimited
 * @param maxRetries     further attempts after the first for retryable failures
 * @param timeoutMillis  per-request timeout (connect and response)
 * @param maxTokens      max_tokens of each request (0 only with echo)
 * @param temperature    sampling temperature sent
 * @param topP           top_p sent, or null to leave it out
 * @param seed           seed sent, or null to leave it out
 * @param logprobs       top-k log-probabilities asked for, or null for none
 * @param echo           completions only: ask for the prompt back with its log-probabilities (reading mode)
 * @param allowEmpty     accept empty answers instead of treating them as failures
 * @param keepRaw        store the exact request and response bodies in each record
 * @param backoffMillis  first retry delay (doubles each retry, with jitter)
 * @param maxBackoffMillis largest retry delay (a Retry-After header is honoured even if longer)
 */
public record ProbeSettings(URI endpoint, String model, boolean chat, int concurrency, double ratePerSecond,
                            int maxRetries, long timeoutMillis, int maxTokens, double temperature, Double topP,
                            Long seed, Integer logprobs, boolean echo, boolean allowEmpty, boolean keepRaw,
                            long backoffMillis, long maxBackoffMillis) {
    public ProbeSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
            throw new IllegalArgumentException("endpoint must be an http:// or https:// URL with a host, got " + endpoint);
        }
        if (endpoint.getPath() != null && endpoint.getPath().replaceAll("/+$", "").endsWith("/completions")) {
            throw new IllegalArgumentException("endpoint is the API base (e.g. http://host:port/v1), not the "
                    + "completions URL: " + endpoint);
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        if (concurrency < 1 || concurrency > 256) {
            throw new IllegalArgumentException("concurrency must be in 1..256, got " + concurrency);
        }
        if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be >= 0 requests per second (0 = unlimited), got " + ratePerSecond);
        }
        if (maxRetries < 0 || maxRetries > 100) {
            throw new IllegalArgumentException("max retries must be in 0..100, got " + maxRetries);
        }
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (maxTokens < 0 || maxTokens == 0 && !echo) {
            throw new IllegalArgumentException("max tokens must be >= 1 (0 only with echo), got " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
        }
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (logprobs != null && (logprobs < 0 || logprobs > 20)) {
            throw new IllegalArgumentException("logprobs must be in 0..20, got " + logprobs);
        }
        if (echo && chat) {
            throw new IllegalArgumentException("echo (reading mode) needs the completions mode");
        }
        if (backoffMillis < 0 || maxBackoffMillis < backoffMillis) {
            throw new IllegalArgumentException("need 0 <= backoff <= max backoff");
        }
    }

    /** The URL requests go to. */
    public URI requestUri() {
        String base = endpoint.toString().replaceAll("/+$", "");
        return URI.create(base + (chat ? "/chat/completions" : "/completions"));
    }

    public String mode() {
        return chat ? "chat" : "completions";
    }
}
