package io.provmark.core.compat.kgw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.compat.torch.VectorFiles;
import java.util.Arrays;

/** Shared comparisons for the KGW vector tests. */
final class KgwVectorAsserts {
    private KgwVectorAsserts() {
    }

    /** Relative tolerance for upstream float64 scores and p-values (the brief's bar). */
    static final double REL = 1e-9;

    static void assertClose(double want, double got, String what) {
        if (want == got) {
            return;
        }
        double tol = REL * Math.max(Math.abs(want), Math.abs(got));
        assertTrue(Math.abs(want - got) <= tol, what + ": want " + want + ", got " + got);
    }

    /** A greenlist against {@code greenlist_first20}/{@code _sum}/{@code _sha256_sorted_int32le} style fields. */
    static void assertGreenlist(JsonNode e, String prefix, int[] green, String what) {
        int[] first = VectorFiles.ints(e.get(prefix + "first20"));
        assertEquals(Arrays.toString(first), Arrays.toString(Arrays.copyOf(green, first.length)), what + " first20");
        assertEquals(e.get(prefix + "sum").longValue(), VectorFiles.sum(green), what + " sum");
        assertEquals(e.get(prefix + "sha256_sorted_int32le").asText(), VectorFiles.sha256SortedInt32Le(green), what + " sha");
    }
}
