package io.provmark.core.key;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Keys for one watermark deployment: one primary key that embeds, every key (current and
 * retired) that verifies. Immutable; {@link #rotate} returns a new keyset.
 */
public final class Keyset {
    private final String primaryId;
    private final Map<String, WatermarkKey> keys;

    public Keyset(String primaryId, List<WatermarkKey> keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a keyset needs at least one key");
        }
        Map<String, WatermarkKey> byId = new LinkedHashMap<>();
        for (WatermarkKey k : keys) {
            Objects.requireNonNull(k, "key");
            if (byId.put(k.id(), k) != null) {
                throw new IllegalArgumentException("duplicate key id '" + k.id() + "' in keyset");
            }
        }
        if (!byId.containsKey(primaryId)) {
            throw new IllegalArgumentException("primary key id '" + primaryId + "' is not in the keyset");
        }
        this.primaryId = primaryId;
        this.keys = Collections.unmodifiableMap(byId);
    }

    /** A keyset holding one fresh key, which is primary. */
    public static Keyset generate() {
        WatermarkKey k = WatermarkKey.generate(WatermarkKey.newId());
        return new Keyset(k.id(), List.of(k));
    }

    public String primaryId() {
        return primaryId;
    }

    public WatermarkKey primary() {
        return keys.get(primaryId);
    }

    /** All keys in insertion order (oldest first). */
    public List<WatermarkKey> keys() {
        return List.copyOf(keys.values());
    }

    public boolean contains(String id) {
        return keys.containsKey(id);
    }

    public WatermarkKey key(String id) {
        WatermarkKey k = keys.get(id);
        if (k == null) {
            throw new NoSuchElementException("key id '" + id + "' is not in this keyset (it holds "
                    + String.join(", ", keys.keySet()) + ")");
        }
        return k;
    }

    /** Adds a fresh key and makes it primary; old keys stay for verification. */
    public Keyset rotate() {
        return withPrimary(WatermarkKey.generate(WatermarkKey.newId()));
    }

    /** Adds {@code key} (which must be new to this keyset) and makes it primary. */
    public Keyset withPrimary(WatermarkKey key) {
        List<WatermarkKey> all = new ArrayList<>(keys.values());
        all.add(key);
        return new Keyset(key.id(), all);
    }

    /** Adds {@code key} without changing the primary. */
    public Keyset with(WatermarkKey key) {
        List<WatermarkKey> all = new ArrayList<>(keys.values());
        all.add(key);
        return new Keyset(primaryId, all);
    }

    @Override
    public String toString() {
        return "Keyset[primary=" + primaryId + ", keys=" + keys.keySet() + "]";
    }
}
