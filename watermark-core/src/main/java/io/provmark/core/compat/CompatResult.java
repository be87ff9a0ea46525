package io.provmark.core.compat;

import io.provmark.core.detect.Evidence;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One compat detection.
 *
 * @param upstream the fields and values the upstream detector reports, in upstream's names and
 *                 order (values: Number, Boolean, String, null, or lists of them)
 * @param evidence provmark's exact evidence over the same scored positions
 * @param perToken per-position flags/values (each an ordered map), empty unless requested
 */
public record CompatResult(Map<String, Object> upstream, Evidence evidence, List<Map<String, Object>> perToken) {
    public CompatResult {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(evidence, "evidence");
        upstream = Collections.unmodifiableMap(new LinkedHashMap<>(upstream));
        perToken = perToken == null ? List.of() : List.copyOf(perToken);
    }
}
