package io.provmark.verifier;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-token token bucket for scoring (detection jobs, synchronous detection): scores leak
 * information about the watermark, so one token may not score an unbounded amount. In memory,
 * per instance.
 */
final class RateLimiter {
    private final String what;
    private final int perMinute;
    private final LongSupplier nanoClock;
    private final Map<String, double[]> buckets = new HashMap<>(); // {tokens, lastNanos, denied since last success (0/1)}

    RateLimiter(int perMinute, LongSupplier nanoClock) {
        this("detection jobs", perMinute, nanoClock);
    }

    /** @param what what is being limited, for the error message (e.g. "detection calls") */
    RateLimiter(String what, int perMinute, LongSupplier nanoClock) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("rate limit must be at least 1 per minute, got " + perMinute);
        }
        this.what = what;
        this.perMinute = perMinute;
        this.nanoClock = nanoClock;
    }

    int perMinute() {
        return perMinute;
    }

    /** Takes one permit for {@code key}, or throws a 429 {@link Denied} saying when to retry. */
    synchronized void acquire(String key) {
        long now = nanoClock.getAsLong();
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {perMinute, now, 0});
        double refill = (now - b[1]) / 60e9 * perMinute;
        b[0] = Math.min(perMinute, b[0] + refill);
        b[1] = now;
        if (b[0] < 1.0) {
            // seconds until one whole permit has refilled, rounded up (Retry-After is whole seconds);
            // the 1e-9 keeps float noise (20.000000004) from adding a second
            long retry = Math.max(1, (long) Math.ceil((1.0 - b[0]) * 60.0 / perMinute - 1e-9));
            boolean first = b[2] == 0;
            b[2] = 1;
            throw new Denied("rate limit: at most " + perMinute + " " + what + " per minute per API token; retry in "
                    + retry + " s", retry, first);
        }
        b[0] -= 1.0;
        b[2] = 0;
    }

    /** A 429: {@code retryAfterSeconds} for the Retry-After header; {@code firstOfEpisode} after a success. */
    static final class Denied extends ApiException {
        final long retryAfterSeconds;
        /** True for the first denial since this key's last granted permit: audit that one, count the rest. */
        final boolean firstOfEpisode;

        Denied(String message, long retryAfterSeconds, boolean firstOfEpisode) {
            super(429, message);
            this.retryAfterSeconds = retryAfterSeconds;
            this.firstOfEpisode = firstOfEpisode;
        }
    }
}
