package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every command, its --help and its error paths, and checks that no output (stdout or
 * stderr, --verbose stack traces included) contains any key of the keyset in hex, base64 or
 * base64url, whole or its first 16 bytes.
 */
class SecretLeakTest {
    @TempDir
    Path dir;

    private final List<Cli.Result> results = new ArrayList<>();

    private Cli.Result run(String... args) {
        Cli.Result r = Cli.run(args);
        results.add(r);
        return r;
    }

    private Cli.Result run(Map<String, String> env, String... args) {
        Cli.Result r = Cli.run(env, args);
        results.add(r);
        return r;
    }

    @Test
    void noCommandPrintsKeyMaterial() throws Exception {
        String ks = dir.resolve("keys.pmk").toString();
        String prof = dir.resolve("p.json").toString();
        String profNone = dir.resolve("p-none.json").toString();
        assertEquals(0, run("keys", "create", "--keyset", ks, "--id", "leak-1").code());
        assertEquals(0, run("keys", "list", "--keyset", ks).code());
        assertEquals(0, run("keys", "fingerprint", "--keyset", ks).code());
        assertEquals(0, run("keys", "fingerprint", "--keyset", ks, "--id", "leak-1").code());
        assertEquals(0, run("profile", "create", "--scheme", "red-green", "--keyset", ks, "--tokenizer", "cl100k_base",
                "--out", prof).code());
        assertEquals(0, run("profile", "create", "--scheme", "synthid", "--keyset", ks, "--tokenizer", "none",
                "--vocab-size", "1000", "--depth", "8", "--out", profNone).code());
        assertEquals(0, run("profile", "show", prof).code());
        assertEquals(0, run("profile", "show", profNone).code());

        // suspect inputs: watermarked token ids and a text
        Keyset keyset = KeysetFile.read(Path.of(ks), Cli.PASS.toCharArray());
        var scheme = Schemes.create(ProfileJson.read(Files.readString(Path.of(profNone))), keyset.primary());
        int[] marked = new Generator(new ZipfLogitsModel(1000, 1.1, 2), 1.0).generate(scheme.embedder(), new int[] {1},
                60, 3);
        Path jsonl = dir.resolve("s.jsonl");
        Files.writeString(jsonl, "{\"id\":\"a\",\"tokens\":" + Arrays.toString(marked) + ",\"prompt_tokens\":[1]}\n"
                + "{\"tokens\":[5,6,7,8,9,10]}\n");
        Path txt = dir.resolve("t.txt");
        Files.writeString(txt, "A short English text to tokenize and score.\n");
        String j = jsonl.toString();
        String t = txt.toString();
        for (String fmt : List.of("json", "table")) {
            assertEquals(0, run("detect", "--profile", profNone, "--keyset", ks, "--token-ids", j, "--format", fmt).code());
            assertEquals(0, run("detect", "--profile", profNone, "--keyset", ks, "--token-ids", j, "--format", fmt,
                    "--per-token").code());
            assertEquals(0, run("detect", "--profile", prof, "--keyset", ks, "--text", t, "--format", fmt).code());
            assertEquals(0, run("detect", "--profile", profNone, "--keyset", ks, "--token-ids", j, "--format", fmt,
                    "--window", "10").code());
            assertEquals(0, run("detect", "--profile", profNone, "--keyset", ks, "--token-ids", j, "--format", fmt,
                    "--all-keys", "--per-token").code());
        }
        assertEquals(0, run("keys", "rotate", "--keyset", ks).code());
        assertEquals(0, run("keys", "list", "--keyset", ks).code());
        assertEquals(0, run("detect", "--profile", profNone, "--keyset", ks, "--token-ids", j, "--all-keys").code());
        assertEquals(0, run("demo", "--tokens", "20").code());

        // help of every command
        for (String[] cmd : new String[][] {{}, {"keys"}, {"keys", "create"}, {"keys", "list"},
                {"keys", "fingerprint"}, {"keys", "rotate"}, {"profile"}, {"profile", "create"}, {"profile", "show"},
                {"detect"}, {"demo"}}) {
            String[] args = Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            assertEquals(0, run(args).code());
        }

        // error paths, with and without stack traces
        Map<String, String> wrong = new HashMap<>();
        wrong.put(Passphrase.ENV, "not the passphrase");
        for (boolean verbose : new boolean[] {false, true}) {
            List<String> extra = verbose ? List.of("--verbose") : List.of();
            assertNotEquals(0, run(wrong, with(extra, "keys", "list", "--keyset", ks)).code());
            assertNotEquals(0, run(with(extra, "keys", "create", "--keyset", ks)).code());
            assertNotEquals(0, run(with(extra, "keys", "fingerprint", "--keyset", ks, "--id", "nope")).code());
            assertNotEquals(0, run(new HashMap<>(), with(extra, "keys", "list", "--keyset", ks)).code());
            Path bad = dir.resolve("bad.jsonl");
            Files.writeString(bad, "{\"tokens\":[1,2,99999]}\n");
            assertNotEquals(0, run(with(extra, "detect", "--profile", profNone, "--keyset", ks, "--token-ids",
                    bad.toString())).code());
            Path mismatch = dir.resolve("mismatch.json");
            Files.writeString(mismatch, Files.readString(Path.of(profNone)).replace("leak-1", "other-key"));
            assertNotEquals(0, run(with(extra, "detect", "--profile", mismatch.toString(), "--keyset", ks,
                    "--token-ids", j)).code());
            assertNotEquals(0, run(with(extra, "detect", "--profile", profNone, "--keyset", ks, "--text", t)).code());
            assertNotEquals(0, run(with(extra, "profile", "create", "--scheme", "red-green", "--keyset", ks,
                    "--tokenizer", "none", "--gamma", "2", "--vocab-size", "10", "--out", prof)).code());
            assertNotEquals(0, run(with(extra, "detect", "--bogus")).code());
        }

        // every key the keyset ever held, read back after the rotation
        Keyset finalKeys = KeysetFile.read(Path.of(ks), Cli.PASS.toCharArray());
        assertEquals(2, finalKeys.keys().size());
        Set<String> forbidden = new LinkedHashSet<>();
        for (WatermarkKey k : finalKeys.keys()) {
            byte[] m = k.material();
            forbidden.addAll(encodings(m));
            forbidden.addAll(encodings(Arrays.copyOf(m, 16)));
        }
        assertFalse(results.isEmpty());
        for (Cli.Result r : results) {
            String all = r.all();
            for (String f : forbidden) {
                assertFalse(all.contains(f), "output leaks key material: " + r.code() + " (encoding length "
                        + f.length() + ")");
            }
        }
        // the transcript really contains the outputs it claims to check
        assertTrue(results.stream().anyMatch(r -> r.out().contains("sha256:")));
        assertTrue(results.stream().anyMatch(r -> r.err().contains("provmark: error:")));
        assertTrue(results.stream().anyMatch(r -> r.err().contains("\tat io.provmark")));
    }

    private static String[] with(List<String> extra, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(extra);
        return all.toArray(new String[0]);
    }

    static List<String> encodings(byte[] b) {
        String hex = HexFormat.of().formatHex(b);
        String b64 = Base64.getEncoder().encodeToString(b);
        String b64url = Base64.getUrlEncoder().encodeToString(b);
        List<String> out = new ArrayList<>(List.of(hex, hex.toUpperCase(java.util.Locale.ROOT), b64, b64url,
                stripPad(b64), stripPad(b64url)));
        out.add(new String(b, StandardCharsets.ISO_8859_1));
        return out;
    }

    private static String stripPad(String s) {
        int e = s.length();
        while (e > 0 && s.charAt(e - 1) == '=') {
            e--;
        }
        return s.substring(0, e);
    }
}
