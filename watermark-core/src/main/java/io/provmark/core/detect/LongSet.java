package io.provmark.core.detect;

/** Open-addressing set of longs for dedup tapes: no boxing on the scoring hot path. */
public final class LongSet {
    private static final long EMPTY = 0L;
    private long[] table;
    private boolean hasZero;
    private int size;

    public LongSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        table = new long[cap];
    }

    public LongSet() {
        this(64);
    }

    /** Adds v; returns false when it was already present. */
    public boolean add(long v) {
        if (v == EMPTY) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        int i = (int) (mix(v) & mask);
        while (true) {
            long cur = table[i];
            if (cur == EMPTY) {
                table[i] = v;
                size++;
                return true;
            }
            if (cur == v) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    public boolean contains(long v) {
        if (v == EMPTY) {
            return hasZero;
        }
        int mask = table.length - 1;
        int i = (int) (mix(v) & mask);
        while (true) {
            long cur = table[i];
            if (cur == EMPTY) {
                return false;
            }
            if (cur == v) {
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    public int size() {
        return size;
    }

    private static long mix(long v) {
        v ^= v >>> 33;
        v *= 0xff51afd7ed558ccdL;
        return v ^ (v >>> 33);
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        int mask = table.length - 1;
        for (long v : old) {
            if (v != EMPTY) {
                int i = (int) (mix(v) & mask);
                while (table[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                table[i] = v;
            }
        }
    }
}
