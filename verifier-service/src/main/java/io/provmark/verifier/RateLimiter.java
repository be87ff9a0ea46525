package io.provmark.verifier;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-token token bucket for scoring (detection jobs): scores leak information about the
 * watermark, so one token may not run an unbounded number of them. In memory, per instance.
 */
final class RateLimiter {
    private final int perMinute;
    private final LongSupplier nanoClock;
    private final Map<String, double[]> buckets = new HashMap<>(); // {tokens, lastNanos}

    RateLimiter(int perMinute, LongSupplier nanoClock) {
        this.perMinute = perMinute;
        this.nanoClock = nanoClock;
    }

    /** Takes one permit for {@code key}, or throws 429. */
    synchronized void acquire(String key) {
        long now = nanoClock.getAsLong();
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {perMinute, now});
        double refill = (now - b[1]) / 60e9 * perMinute;
        b[0] = Math.min(perMinute, b[0] + refill);
        b[1] = now;
        if (b[0] < 1.0) {
            throw new ApiException(429, "rate limit: at most " + perMinute + " detection jobs per minute per API token; retry later");
        }
        b[0] -= 1.0;
    }
}
