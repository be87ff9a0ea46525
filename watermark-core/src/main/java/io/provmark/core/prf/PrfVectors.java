package io.provmark.core.prf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.scheme.gumbel.GumbelScheme;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Prints the {@code provmark-prf-v1} test vectors ({@code docs/spec/prf-vectors.json}) as JSON.
 *
 * <p>Every key here is a PUBLIC TEST KEY (fixed bytes written in this file), never a production
 * key; that is the only reason its bytes and subkeys may be printed. Output is deterministic, so
 * a test can compare it with the committed file and catch any silent change of the PRF.
 *
 * <p>Run: {@code java -cp watermark-core/target/classes:<deps> io.provmark.core.prf.PrfVectors}.
 */
public final class PrfVectors {
    static final String[] DOMAINS = {"red-green", "gumbel", "synthid"};
    static final int[][] CONTEXTS = {{}, {42}, {42, 7}, {1, 2, 3}, {50256, 0, 1, 131071}, {1, 2, 3, 4, 5, 6, 7},
        {9, 8, 7, 6, 5, 4, 3, 2}};
    static final int[] TOKENS = {0, 1, 2, 3, 4, 5, 1000, 50256, 131071, 16777215};
    static final int[] SELF_HASH_TOKENS = {0, 1, 42, 50256};
    static final long[] SELF_HASH_SEEDS = {0L, 1L, -1L};
    /** Seeds whose word tables are listed: left-hash of these contexts (indices into CONTEXTS). */
    static final int[] WORD_CONTEXTS = {0, 5};
    static final int DIGEST_VOCAB = 50257;
    static final double GAMMA = 0.25;

    private PrfVectors() {
    }

    public static void main(String[] args) {
        System.out.print(json());
    }

    /** The vectors document, LF line ends, trailing newline. */
    public static String json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("prf", ProvmarkPrf.ID);
        root.put("warning", "PUBLIC TEST KEYS ONLY: their bytes are published here; never use them to watermark");
        root.put("generator", PrfVectors.class.getName());
        root.put("u_format", "u_dec: exact value rounded half-even to 17 significant digits, like C printf(\"%.16e\"); "
                + "u_bits: IEEE-754 binary64 bits, 16 hex digits");
        root.put("gumbel_note", "G = -ln(-log1p(-(1-u))) and score = -ln(1-u) computed with Java StrictMath (fdlibm); "
                + "another libm may differ in the last bit");
        long threshold = (long) Math.ceil(GAMMA * 0x1.0p32 - 0.5);
        ObjectNode green = root.putObject("green");
        green.put("gamma", GAMMA);
        green.put("threshold", threshold);
        ArrayNode keys = root.putArray("keys");
        keys.add(key(m, "public-test-key-1", "bytes 0x00, 0x01, ..., 0x1f", counting(32), threshold));
        keys.add(key(m, "public-test-key-2", "SHA-256(\"provmark test key 2\")",
                digest("SHA-256", "provmark test key 2"), threshold));
        keys.add(key(m, "public-test-key-3", "SHA-512(\"provmark test key 3\") (a 512-bit key)",
                digest("SHA-512", "provmark test key 3"), threshold));
        // fixed LF line ends (not the platform's) so the output is byte-identical everywhere
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return m.writer(pp).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode key(ObjectMapper m, String id, String derivation, byte[] material, long threshold) {
        HexFormat hex = HexFormat.of();
        WatermarkKey key = new WatermarkKey(id, material, 0);
        ObjectNode k = m.createObjectNode();
        k.put("key_id", id);
        k.put("key_derivation", derivation);
        k.put("key_hex", hex.formatHex(material));
        ArrayNode domains = k.putArray("domains");
        for (String domain : DOMAINS) {
            ProvmarkPrf prf = new ProvmarkPrf(key, domain);
            ObjectNode d = domains.addObject();
            d.put("domain", domain);
            d.put("k_ctx_hex", hex.formatHex(hmac(material, ProvmarkPrf.ID + ":ctx:" + domain)));
            d.put("k_tok_hex", hex.formatHex(hmac(material, ProvmarkPrf.ID + ":tok:" + domain)));
            ArrayNode lh = d.putArray("left_hash");
            byte[][] contextSeeds = new byte[CONTEXTS.length][];
            for (int c = 0; c < CONTEXTS.length; c++) {
                int[] ctx = CONTEXTS[c];
                byte[] seed = new byte[ProvmarkPrf.SEED_BYTES];
                prf.leftHashSeed(ctx, 0, ctx.length, seed);
                contextSeeds[c] = seed;
                ObjectNode e = lh.addObject();
                ArrayNode ca = e.putArray("context");
                for (int t : ctx) {
                    ca.add(t);
                }
                e.put("seed_hex", hex.formatHex(seed));
            }
            ObjectNode sh = d.putObject("self_hash");
            ArrayNode hv = sh.putArray("h");
            for (int t : SELF_HASH_TOKENS) {
                long v = prf.selfHashValue(t);
                hv.addObject().put("token", t).put("h_hex", String.format("%016x", v))
                        .put("h_unsigned", Long.toUnsignedString(v));
            }
            ArrayNode sv = sh.putArray("seeds");
            for (long s : SELF_HASH_SEEDS) {
                byte[] seed = new byte[ProvmarkPrf.SEED_BYTES];
                prf.selfHashSeed(s, seed);
                sv.addObject().put("s_hex", String.format("%016x", s)).put("seed_hex", hex.formatHex(seed));
            }
            ArrayNode words = d.putArray("words");
            for (int c : WORD_CONTEXTS) {
                words.add(wordTable(m, prf, "left_hash " + java.util.Arrays.toString(CONTEXTS[c]), contextSeeds[c],
                        threshold));
            }
            if (domain.equals("red-green")) { // only red-green has self-hash seeding
                byte[] seed = new byte[ProvmarkPrf.SEED_BYTES];
                prf.selfHashSeed(prf.selfHashValue(42), seed);
                words.add(wordTable(m, prf, "self_hash seed(H(42))", seed, threshold));
            }
        }
        return k;
    }

    private static ObjectNode wordTable(ObjectMapper m, ProvmarkPrf prf, String from, byte[] seed, long threshold) {
        HexFormat hex = HexFormat.of();
        ObjectNode w = m.createObjectNode();
        w.put("seed_from", from);
        w.put("seed_hex", hex.formatHex(seed));
        int[] all = new int[DIGEST_VOCAB];
        prf.words(seed, DIGEST_VOCAB, all);
        ByteBuffer le = ByteBuffer.allocate(4 * DIGEST_VOCAB).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : all) {
            le.putInt(x);
        }
        w.put("keystream_block0_hex", hex.formatHex(le.array(), 0, 16));
        w.put("words_sha256_vocab_" + DIGEST_VOCAB, hex.formatHex(sha256(le.array())));
        ArrayNode tokens = w.putArray("tokens");
        for (int t : TOKENS) {
            int word = prf.word(seed, t);
            double u = ProvmarkPrf.uniform(word);
            double g = GumbelScheme.gumbel(word);
            double score = GumbelScheme.score(word);
            tokens.addObject()
                    .put("token", t)
                    .put("word", word & 0xFFFFFFFFL)
                    .put("word_hex", String.format("%08x", word))
                    .put("u_dec", sci17(u))
                    .put("u_bits", String.format("%016x", Double.doubleToRawLongBits(u)))
                    .put("green", (word & 0xFFFFFFFFL) < threshold)
                    .put("gumbel_dec", sci17(g))
                    .put("gumbel_bits", String.format("%016x", Double.doubleToRawLongBits(g)))
                    .put("score_dec", sci17(score));
        }
        return w;
    }

    /** C's {@code printf("%.16e", x)}: exact binary value rounded half-even to 17 significant digits. */
    static String sci17(double x) {
        if (x == 0 || !Double.isFinite(x)) {
            throw new IllegalArgumentException("sci17 needs a finite non-zero value, got " + x);
        }
        BigDecimal r = new BigDecimal(x).round(new MathContext(17, RoundingMode.HALF_EVEN));
        String digits = r.unscaledValue().abs().toString();
        // r = unscaled * 10^-scale; the leading digit has exponent (digits - 1 - scale)
        int exp = digits.length() - 1 - r.scale();
        digits = (digits + "0".repeat(17)).substring(0, 17);
        return (x < 0 ? "-" : "") + digits.charAt(0) + "." + digits.substring(1) + "e"
                + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }

    static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    static byte[] digest(String alg, String text) {
        try {
            return MessageDigest.getInstance(alg).digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
