package io.provmark.verifier;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Append-only, hash-chained audit log. Each entry's hash is SHA-256 over its RFC 8785 JSON
 * (seq, time, actor, action, target, detail, prevHash), so changing, removing or reordering any
 * entry breaks every later link. {@code seq} is the primary key: two writers cannot fork the chain.
 */
final class AuditLog {
    static final String GENESIS = "0".repeat(64);
    private final Db db;

    AuditLog(Db db) {
        this.db = db;
    }

    /** Appends one entry; {@code actorId} null for the service itself. */
    synchronized void append(String actorId, String actor, String action, String target, String detail) {
        for (int attempt = 0; ; attempt++) {
            try {
                db.jdbi.useTransaction(h -> {
                    Optional<Map<String, Object>> last = h.createQuery("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                            .mapToMap().findOne();
                    long seq = last.map(m -> ((Number) m.get("seq")).longValue() + 1).orElse(1L);
                    String prev = last.map(m -> (String) m.get("hash")).orElse(GENESIS);
                    long at = System.currentTimeMillis();
                    String hash = hash(seq, at, actorId, actor, action, target, detail, prev);
                    h.createUpdate("INSERT INTO audit_log (seq, at, actor_id, actor, action, target, detail, prev_hash, hash)"
                                    + " VALUES (:seq, :at, :aid, :a, :act, :t, :d, :p, :h)")
                            .bind("seq", seq).bind("at", at).bind("aid", actorId).bind("a", actor).bind("act", action)
                            .bind("t", target).bind("d", detail).bind("p", prev).bind("h", hash).execute();
                });
                return;
            } catch (RuntimeException e) {
                if (attempt >= 5) { // another instance took the same seq five times in a row
                    throw e;
                }
            }
        }
    }

    static String hash(long seq, long at, String actorId, String actor, String action, String target, String detail, String prev) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("at", at);
        m.put("actorId", actorId);
        m.put("actor", actor);
        m.put("action", action);
        m.put("target", target);
        m.put("detail", detail);
        m.put("prevHash", prev);
        return ReportFiles.sha256(Jcs.canonicalize(m));
    }

    /**
     * Streams every entry, oldest first, as one RFC 8785 JSON object per line with all hashed fields
     * (seq, at, actorId, actor, action, target, detail, prevHash) and its hash: what
     * {@link AuditChain#verify} and {@code provmark audit verify} recompute offline.
     */
    void export(OutputStream out) throws IOException {
        OutputStream os = new BufferedOutputStream(out, 1 << 16);
        db.jdbi.useHandle(h -> {
            try (Stream<Map<String, Object>> rows = h.createQuery("SELECT * FROM audit_log ORDER BY seq").mapToMap().stream()) {
                for (Iterator<Map<String, Object>> it = rows.iterator(); it.hasNext(); ) {
                    os.write(Jcs.canonicalize(exportEntry(it.next())));
                    os.write('\n');
                }
            }
        });
        os.flush();
    }

    static Map<String, Object> exportEntry(Map<String, Object> e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", ((Number) e.get("seq")).longValue());
        m.put("at", ((Number) e.get("at")).longValue());
        m.put("actorId", e.get("actor_id"));
        m.put("actor", e.get("actor"));
        m.put("action", e.get("action"));
        m.put("target", e.get("target"));
        m.put("detail", e.get("detail"));
        m.put("prevHash", e.get("prev_hash"));
        m.put("hash", e.get("hash"));
        return m;
    }

    List<Map<String, Object>> entries() {
        return db.jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log ORDER BY seq").mapToMap().list());
    }

    /** Null when the chain is intact, else the first broken link, described. */
    static String verify(List<Map<String, Object>> entries) {
        String prev = GENESIS;
        long expectSeq = 1;
        for (Map<String, Object> e : entries) {
            long seq = ((Number) e.get("seq")).longValue();
            if (seq != expectSeq) {
                return "entry " + expectSeq + " is missing (next is " + seq + ")";
            }
            if (!prev.equals(e.get("prev_hash"))) {
                return "entry " + seq + " does not link to entry " + (seq - 1);
            }
            String h = hash(seq, ((Number) e.get("at")).longValue(), (String) e.get("actor_id"), (String) e.get("actor"),
                    (String) e.get("action"), (String) e.get("target"), (String) e.get("detail"), (String) e.get("prev_hash"));
            if (!h.equals(e.get("hash"))) {
                return "entry " + seq + " was altered (hash mismatch)";
            }
            prev = h;
            expectSeq++;
        }
        return null;
    }

    Map<String, Object> describe() {
        List<Map<String, Object>> es = entries();
        String broken = verify(es);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : es) {
            out.add(exportEntry(e));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("chainValid", broken == null);
        r.put("problem", broken);
        r.put("head", es.isEmpty() ? GENESIS : es.get(es.size() - 1).get("hash"));
        r.put("entries", out);
        return r;
    }

}
