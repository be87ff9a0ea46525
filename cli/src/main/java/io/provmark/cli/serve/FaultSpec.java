package io.provmark.cli.serve;

import java.util.Locale;

/**
 * Which generation requests {@link OpenAiServer} answers with an injected fault, so clients' retry logic can be
 * tested against a real server. The k-th generation request (k = 0, 1, ... in order of arrival) draws one
 * uniform number u_k from (seed, k) alone, so a seed gives the same fault sequence on every run:
 * u &lt; p429 gives 429 (with Retry-After), the next p500 of the unit interval gives 500, then {@code timeout}
 * (the server stalls {@code stall} seconds before answering normally), {@code malformed} (HTTP 200 with a
 * truncated, non-JSON body) and {@code empty} (HTTP 200 with a well-formed answer of empty text).
 *
 * <p>Syntax: comma-separated {@code KIND:P} items with KIND one of {@code 429}, {@code 500}, {@code timeout},
 * {@code malformed}, {@code empty} and P in [0, 1] (sum at most 1), plus optional {@code seed=N} (default 0),
 * {@code retry-after=S} (whole seconds in the 429 header, default 1) and {@code stall=S} (seconds, default 30).
 * Example: {@code 429:0.1,500:0.05,timeout:0.02,seed=7}.
 *
 * @param p429          probability of a 429
 * @param p500          probability of a 500
 * @param pTimeout      probability of a stall
 * @param pMalformed    probability of a non-JSON 200 body
 * @param pEmpty        probability of a 200 answer with empty text
 * @param seed          seed of the fault sequence
 * @param retryAfterSec the Retry-After value sent with a 429
 * @param stallMillis   how long a stalled request waits before it is answered
 */
public record FaultSpec(double p429, double p500, double pTimeout, double pMalformed, double pEmpty, long seed,
                        int retryAfterSec, long stallMillis) {
    /** No faults. */
    public static final FaultSpec NONE = new FaultSpec(0, 0, 0, 0, 0, 0, 1, 30_000);

    /** What the server does with one request. */
    public enum Fault { NONE, TOO_MANY_REQUESTS, SERVER_ERROR, STALL, MALFORMED, EMPTY }

    public FaultSpec {
        for (double p : new double[] {p429, p500, pTimeout, pMalformed, pEmpty}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("fault probabilities must be in [0, 1], got " + p);
            }
        }
        if (p429 + p500 + pTimeout + pMalformed + pEmpty > 1 + 1e-12) {
            throw new IllegalArgumentException("fault probabilities sum to more than 1");
        }
        if (retryAfterSec < 0 || retryAfterSec > 3600) {
            throw new IllegalArgumentException("retry-after must be 0..3600 seconds, got " + retryAfterSec);
        }
        if (stallMillis < 0 || stallMillis > 3_600_000) {
            throw new IllegalArgumentException("stall must be 0..3600 seconds, got " + stallMillis / 1000.0);
        }
    }

    /** Whether any fault can happen. */
    public boolean active() {
        return p429 + p500 + pTimeout + pMalformed + pEmpty > 0;
    }

    /** Parses the {@code --inject-faults} syntax (see the class comment). */
    public static FaultSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("fault spec is empty; expected e.g. 429:0.1,500:0.05,timeout:0.02,seed=7");
        }
        double p429 = 0;
        double p500 = 0;
        double pTimeout = 0;
        double pMalformed = 0;
        double pEmpty = 0;
        long seed = 0;
        int retryAfter = 1;
        long stall = 30_000;
        for (String raw : spec.split(",")) {
            String item = raw.strip();
            int colon = item.indexOf(':');
            int eq = item.indexOf('=');
            try {
                if (colon > 0 && eq < 0) {
                    String kind = item.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    double p = Double.parseDouble(item.substring(colon + 1).strip());
                    if (!(p >= 0 && p <= 1)) {
                        throw new IllegalArgumentException("fault item '" + item + "': probability must be in [0, 1]");
                    }
                    switch (kind) {
                        case "429": p429 = p; break;
                        case "500": p500 = p; break;
                        case "timeout": pTimeout = p; break;
                        case "malformed": pMalformed = p; break;
                        case "empty": pEmpty = p; break;
                        default:
                            throw new IllegalArgumentException("fault item '" + item + "': unknown kind '" + kind
                                    + "' (known: 429, 500, timeout, malformed, empty)");
                    }
                } else if (eq > 0 && colon < 0) {
                    String name = item.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                    String value = item.substring(eq + 1).strip();
                    switch (name) {
                        case "seed": seed = Long.parseLong(value); break;
                        case "retry-after": retryAfter = Integer.parseInt(value); break;
                        case "stall": stall = Math.round(Double.parseDouble(value) * 1000); break;
                        default:
                            throw new IllegalArgumentException("fault item '" + item + "': unknown setting '" + name
                                    + "' (known: seed, retry-after, stall)");
                    }
                } else {
                    throw new IllegalArgumentException("fault item '" + item
                            + "' is neither KIND:P nor NAME=VALUE (e.g. 429:0.1 or seed=7)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fault item '" + item + "': not a number");
            }
        }
        return new FaultSpec(p429, p500, pTimeout, pMalformed, pEmpty, seed, retryAfter, stall);
    }

    /** The fault of the {@code index}-th generation request: a pure function of (seed, index). */
    public Fault decide(long index) {
        double u = uniform(seed, index);
        double edge = p429;
        if (u < edge) {
            return Fault.TOO_MANY_REQUESTS;
        }
        edge += p500;
        if (u < edge) {
            return Fault.SERVER_ERROR;
        }
        edge += pTimeout;
        if (u < edge) {
            return Fault.STALL;
        }
        edge += pMalformed;
        if (u < edge) {
            return Fault.MALFORMED;
        }
        edge += pEmpty;
        if (u < edge) {
            return Fault.EMPTY;
        }
        return Fault.NONE;
    }

    /** A uniform in [0, 1) from SplitMix64's finaliser over (seed, index). */
    static double uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "429:%s,500:%s,timeout:%s,malformed:%s,empty:%s,seed=%d,retry-after=%d,stall=%s",
                p429, p500, pTimeout, pMalformed, pEmpty, seed, retryAfterSec, stallMillis / 1000.0);
    }
}
