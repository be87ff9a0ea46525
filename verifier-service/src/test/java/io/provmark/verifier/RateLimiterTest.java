package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void bucketEmptiesPerTokenAndRefillsWithTime() {
        AtomicLong now = new AtomicLong(0);
        RateLimiter r = new RateLimiter(3, now::get); // fake clock: no timing in the test
        r.acquire("a");
        r.acquire("a");
        r.acquire("a");
        ApiException e = assertThrows(ApiException.class, () -> r.acquire("a"));
        assertEquals(429, e.status);
        r.acquire("b"); // other tokens have their own bucket
        now.addAndGet(20_000_000_000L); // 20 s = one permit at 3/min
        r.acquire("a");
        assertThrows(ApiException.class, () -> r.acquire("a"));
    }
}
