package io.provmark.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Offline verification of an audit-log export ({@code GET /api/audit/export}, JSONL): recomputes
 * every entry's hash (SHA-256 over the RFC 8785 JSON of its fields, the previous hash included)
 * and checks sequence numbers and links from the genesis hash on. An optional anchor — a hash taken
 * from somewhere outside the database, e.g. a signed report — must be the hash of one of the
 * entries: since every hash commits to all entries before it, that proves nothing up to the anchor
 * was removed or rewritten. Entries after the anchor are only as trustworthy as the export itself.
 */
public final class AuditChain {
    private static final List<String> FIELDS = List.of("seq", "at", "actorId", "actor", "action", "target", "detail",
            "prevHash", "hash");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(4).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * @param ok        the whole chain verifies (and contains the anchor, when one was given)
     * @param entries   entries read and verified before the first problem (all of them when ok)
     * @param head      hash of the last verified entry (the genesis hash when none)
     * @param problem   the first broken link, described; null when ok
     * @param anchorSeq seq of the entry whose hash is the anchor; null when not given or not found
     */
    public record Result(boolean ok, long entries, String head, String problem, Long anchorSeq) {
    }

    private AuditChain() {
    }

    /** The genesis value of prevHash for entry 1. */
    public static String genesis() {
        return AuditLog.GENESIS;
    }

    /**
     * Verifies an export read from {@code in}.
     *
     * @param anchor a 64-hex hash (optionally prefixed {@code sha256:}) that must occur in the chain, or null
     */
    public static Result verify(BufferedReader in, String anchor) throws IOException {
        String want = null;
        if (anchor != null) {
            want = anchor.strip().toLowerCase(Locale.ROOT);
            if (want.startsWith("sha256:")) {
                want = want.substring(7);
            }
            if (!HEX64.matcher(want).matches()) {
                throw new IllegalArgumentException("anchor must be a SHA-256 hash (64 hex digits), got '" + anchor + "'");
            }
        }
        String prev = AuditLog.GENESIS;
        long expect = 1;
        Long anchorSeq = null;
        int lineNo = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isEmpty()) {
                return fail(expect - 1, prev, "line " + lineNo + ": empty line (an export has one entry per line)");
            }
            String where = "line " + lineNo;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                return fail(expect - 1, prev, where + ": malformed JSON: " + e.getOriginalMessage());
            }
            String shape = shape(n);
            if (shape != null) {
                return fail(expect - 1, prev, where + ": " + shape);
            }
            long seq = n.get("seq").longValue();
            if (seq != expect) {
                return fail(expect - 1, prev, where + ": entry " + expect + " is missing (found entry " + seq + ")");
            }
            if (!prev.equals(n.get("prevHash").textValue())) {
                return fail(expect - 1, prev, where + ": entry " + seq + " does not link to entry " + (seq - 1));
            }
            String h = AuditLog.hash(seq, n.get("at").longValue(), str(n, "actorId"), str(n, "actor"), str(n, "action"),
                    str(n, "target"), str(n, "detail"), prev);
            if (!h.equals(n.get("hash").textValue())) {
                return fail(expect - 1, prev, where + ": entry " + seq + " was altered (hash mismatch)");
            }
            if (h.equals(want)) {
                anchorSeq = seq;
            }
            prev = h;
            expect++;
        }
        long count = expect - 1;
        if (count == 0) {
            return fail(0, prev, "the export has no entries");
        }
        if (want != null && anchorSeq == null) {
            return new Result(false, count, prev, "anchor " + want + " is not the hash of any entry: the log was truncated"
                    + " or rewritten at or before the anchored point, or the export comes from another log", null);
        }
        return new Result(true, count, prev, null, anchorSeq);
    }

    private static Result fail(long verified, String head, String problem) {
        return new Result(false, verified, head, problem, null);
    }

    private static String str(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.textValue();
    }

    /** Null when the line has exactly the export fields with the right types, else what is wrong. */
    private static String shape(JsonNode n) {
        if (n == null || !n.isObject()) {
            return "expected a JSON object (one audit entry)";
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                return "unknown field \"" + f + "\"";
            }
        }
        for (String f : FIELDS) {
            if (!n.has(f)) {
                return "missing field \"" + f + "\"";
            }
        }
        for (String f : List.of("seq", "at")) {
            if (!n.get(f).isIntegralNumber() || !n.get(f).canConvertToLong()) {
                return "\"" + f + "\" must be an integer";
            }
        }
        for (String f : List.of("actor", "action", "target", "detail", "prevHash", "hash")) {
            if (!n.get(f).isTextual()) {
                return "\"" + f + "\" must be a string";
            }
        }
        if (!n.get("actorId").isNull() && !n.get("actorId").isTextual()) {
            return "\"actorId\" must be a string or null";
        }
        return null;
    }
}
