package io.provmark.core.compat.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Reproduces every entry of {@code torch_rng.json} (torch 2.13.0 CPU) bit for bit. */
class TorchMt19937Test {
    private static final JsonNode V = VectorFiles.read("torch_rng.json");

    @Test
    void standardMt19937ReferenceOutput() {
        // The reference MT19937 (init_genrand(5489)) first output and 10000th output (C++ std::mt19937).
        TorchMt19937 g = new TorchMt19937(5489);
        assertEquals(3499211612L, g.next32Unsigned());
        for (int i = 2; i < 10000; i++) {
            g.next32();
        }
        assertEquals(4123659995L, g.next32Unsigned());
    }

    @Test
    void randpermVectors() {
        int checked = 0;
        for (JsonNode e : V.get("randperm")) {
            int n = e.get("n").intValue();
            BigInteger seed = new BigInteger(e.get("seed").asText());
            TorchMt19937 g = TorchMt19937.seeded(seed);
            assertEquals(e.get("seed_low32").longValue(), seed.longValue() & 0xFFFFFFFFL);
            int[] perm = g.randperm(n);
            String what = "n=" + n + " seed=" + seed;
            assertArrayEquals(VectorFiles.ints(e.get("first20")), Arrays.copyOf(perm, Math.min(20, n)), what);
            assertArrayEquals(VectorFiles.ints(e.get("last5")), Arrays.copyOfRange(perm, Math.max(0, n - 5), n), what);
            assertEquals(e.get("sum").longValue(), VectorFiles.sum(perm), what);
            assertEquals(e.get("sha256_perm_int32le").asText(), VectorFiles.sha256Int32Le(perm), what);
            long w = 0;
            for (int i = 0; i < n; i++) {
                w += (long) (i + 1) * perm[i];
            }
            assertEquals(new BigInteger(e.get("weighted_sum_mod2_64").asText()), new BigInteger(Long.toUnsignedString(w)), what);
            Iterator<Map.Entry<String, JsonNode>> it = e.get("greenlists").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> gl = it.next();
                double gamma = Double.parseDouble(gl.getKey());
                int size = (int) (n * gamma);
                JsonNode x = gl.getValue();
                assertEquals(x.get("size").intValue(), size, what);
                int[] green = TorchRandperm.prefix(TorchMt19937.seeded(seed), n, size);
                assertArrayEquals(Arrays.copyOf(perm, size), green, what);
                assertArrayEquals(VectorFiles.ints(x.get("first20")), Arrays.copyOf(green, Math.min(20, size)), what);
                assertEquals(x.get("sum").longValue(), VectorFiles.sum(green), what);
                assertEquals(x.get("sha256_sorted_int32le").asText(), VectorFiles.sha256SortedInt32Le(green), what);
            }
            checked++;
        }
        assertEquals(60, checked);
    }

    @Test
    void randFloat32Vectors() {
        for (JsonNode e : V.get("rand_float32")) {
            TorchMt19937 g = TorchMt19937.seeded(new BigInteger(e.get("seed").asText()));
            float[] r = g.rand(e.get("n").intValue());
            ByteBuffer b = ByteBuffer.allocate(r.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : r) {
                b.putFloat(f);
            }
            assertEquals(e.get("sha256_float32le_all").asText(), VectorFiles.sha256(b.array()));
            JsonNode bits = e.get("first20_float32_bits_hex");
            JsonNode logs = e.get("first20_neg_log_one_minus_r_float32_bits_hex");
            for (int i = 0; i < 20; i++) {
                assertEquals(Integer.parseUnsignedInt(bits.get(i).asText(), 16), Float.floatToRawIntBits(r[i]));
                assertEquals(e.get("first20_float").get(i).doubleValue(), (double) r[i]);
                // torch's float32 log differs by up to 1 ulp across builds: compare within 2 ulp.
                float want = Float.intBitsToFloat(Integer.parseUnsignedInt(logs.get(i).asText(), 16));
                float got = (float) -Math.log(1.0 - r[i]);
                assertTrue(Math.abs(Float.floatToRawIntBits(want) - Float.floatToRawIntBits(got)) <= 2, "log ulp at " + i);
            }
        }
    }

    @Test
    void randintVectors() {
        for (JsonNode e : V.get("randint")) {
            TorchMt19937 g = TorchMt19937.seeded(new BigInteger(e.get("seed").asText()));
            long[] v = g.randint(e.get("low").longValue(), e.get("high").longValue(), e.get("size").intValue());
            byte[] bytes = new byte[v.length];
            long sum = 0;
            for (int i = 0; i < v.length; i++) {
                bytes[i] = (byte) v[i];
                sum += v[i];
            }
            int[] first = VectorFiles.ints(e.get("first64"));
            for (int i = 0; i < first.length; i++) {
                assertEquals(first[i], v[i]);
            }
            assertEquals(e.get("sum").longValue(), sum);
            assertEquals(e.get("sha256_uint8").asText(), VectorFiles.sha256(bytes));
        }
    }

    @Test
    void onlyLow32BitsOfSeedMatter() {
        assertTrue(V.get("same_stream_for_seed_7_and_7_plus_2^32").booleanValue());
        TorchMt19937 a = new TorchMt19937(7);
        TorchMt19937 b = TorchMt19937.seeded(BigInteger.valueOf(7).add(BigInteger.ONE.shiftLeft(32)));
        for (int i = 0; i < 2000; i++) {
            assertEquals(a.next32(), b.next32());
        }
    }

    @Test
    void discardSkipsOutputs() {
        for (long skip : new long[] {0, 1, 623, 624, 625, 5000, 50_256}) {
            TorchMt19937 a = new TorchMt19937(42);
            TorchMt19937 b = new TorchMt19937(42);
            for (long i = 0; i < skip; i++) {
                a.next32();
            }
            b.discard(skip);
            assertEquals(a.next32(), b.next32(), "skip " + skip);
            assertEquals(a.nextFloat(), b.nextFloat());
        }
    }

    @Test
    void seedRangeChecked() {
        assertThrows(IllegalArgumentException.class, () -> TorchMt19937.seeded(BigInteger.valueOf(-1)));
        assertThrows(IllegalArgumentException.class, () -> TorchMt19937.seeded(BigInteger.ONE.shiftLeft(64)));
        TorchMt19937.seeded(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));
    }

    @Test
    void inPrefixAgreesWithFullPermutation() {
        // Random sizes/seeds/gammas: membership by following one id must equal membership in perm[:k].
        SplittableRandom rnd = new SplittableRandom(20240314L);
        for (int trial = 0; trial < 60; trial++) {
            int n = 2 + rnd.nextInt(3000);
            int k = rnd.nextInt(n + 1);
            long seed = rnd.nextLong();
            int[] perm = new TorchMt19937(seed).randperm(n);
            boolean[] green = new boolean[n];
            for (int i = 0; i < k; i++) {
                green[perm[i]] = true;
            }
            for (int t = 0; t < n; t += 1 + n / 50) {
                assertEquals(green[t], TorchRandperm.inPrefix(new TorchMt19937(seed), n, k, t), "n=" + n + " k=" + k + " t=" + t);
            }
        }
    }

    @Test
    void keyNotInToString() {
        assertEquals(-1, new TorchMt19937(15485863L).toString().indexOf("15485863"));
    }
}
