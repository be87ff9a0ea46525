package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The detect bucket's Retry-After and once-per-run audit flag, on a fake clock (no timing in the test). */
class DetectRateLimiterTest {
    @Test
    void retryAfterIsTheTimeToOneWholePermit() {
        AtomicLong now = new AtomicLong(0);
        RateLimiter r = new RateLimiter("detection calls", 600, now::get); // one permit per 0.1 s
        for (int i = 0; i < 600; i++) {
            r.acquire("t");
        }
        RateLimiter.Denied d = assertThrows(RateLimiter.Denied.class, () -> r.acquire("t"));
        assertEquals(429, d.status);
        assertEquals(1, d.retryAfterSeconds); // 0.1 s, rounded up to whole seconds
        assertTrue(d.getMessage().contains("600 detection calls per minute"), d.getMessage());

        RateLimiter slow = new RateLimiter("detection calls", 2, now::get); // one permit per 30 s
        slow.acquire("t");
        slow.acquire("t");
        assertEquals(30, assertThrows(RateLimiter.Denied.class, () -> slow.acquire("t")).retryAfterSeconds);
        now.addAndGet(10_000_000_000L); // 10 s later a third of a permit has refilled: 20 s to go
        assertEquals(20, assertThrows(RateLimiter.Denied.class, () -> slow.acquire("t")).retryAfterSeconds);
    }

    @Test
    void onlyTheFirstDenialAfterAGrantIsFlaggedForTheAuditLog() {
        AtomicLong now = new AtomicLong(0);
        RateLimiter r = new RateLimiter("detection calls", 1, now::get);
        r.acquire("t");
        assertTrue(assertThrows(RateLimiter.Denied.class, () -> r.acquire("t")).firstOfEpisode);
        assertFalse(assertThrows(RateLimiter.Denied.class, () -> r.acquire("t")).firstOfEpisode);
        r.acquire("u"); // another key has its own bucket
        now.addAndGet(60_000_000_000L);
        r.acquire("t"); // a grant ends the run
        assertTrue(assertThrows(RateLimiter.Denied.class, () -> r.acquire("t")).firstOfEpisode);
    }

    @Test
    void rejectsANonPositiveLimit() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter("x", 0, System::nanoTime));
    }
}
