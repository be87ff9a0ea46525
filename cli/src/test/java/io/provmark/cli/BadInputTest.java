package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input gets one clear line on stderr and the documented exit code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    Path dir;
    String keyset;
    String profile;
    String profileText;

    @BeforeAll
    void setUp(@TempDir Path tmp) {
        dir = tmp;
        keyset = dir.resolve("keys.pmk").toString();
        profile = dir.resolve("p.json").toString();
        profileText = dir.resolve("p-text.json").toString();
        ok(Cli.run("keys", "create", "--keyset", keyset, "--id", "bad-1"));
        ok(Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "bad-1", "--tokenizer", "none",
                "--vocab-size", "1000", "--out", profile));
        ok(Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "bad-1", "--tokenizer", "cl100k_base",
                "--out", profileText));
    }

    private static void ok(Cli.Result r) {
        assertEquals(0, r.code(), r::toString);
    }

    /** Exit code, a single "provmark: error:" line containing every fragment, and no stack trace. */
    private static void fails(Cli.Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r::toString);
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("provmark: error: "), r::toString);
        for (String f : fragments) {
            assertTrue(first.contains(f), "expected '" + f + "' in: " + first);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r);
        assertEquals("", r.out(), "nothing on stdout: " + r);
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private Cli.Result detectIds(String prof, Path jsonl) {
        return Cli.run("detect", "--profile", prof, "--keyset", keyset, "--token-ids", jsonl.toString());
    }

    @Test
    void malformedJsonlLineNamesTheLineNumber() throws IOException {
        Path f = write("m.jsonl", "{\"id\":1,\"tokens\":[1,2,3]}\n\n{\"id\":2,\"tokens\":[1,2,\n");
        fails(detectIds(profile, f), ExitCodes.BAD_INPUT, "m.jsonl line 3", "malformed JSON");
    }

    @Test
    void unknownJsonlFieldIsRejected() throws IOException {
        Path f = write("u.jsonl", "{\"id\":1,\"tokens\":[1,2,3],\"prompt\":[4]}\n");
        fails(detectIds(profile, f), ExitCodes.BAD_INPUT, "line 1", "unknown field \"prompt\"");
    }

    @Test
    void tokenIdAtOrAboveVocabSize() throws IOException {
        Path f = write("v.jsonl", "{\"id\":\"x\",\"tokens\":[1,2,1000]}\n");
        fails(detectIds(profile, f), ExitCodes.BAD_INPUT, "line 1", "tokens[2] = 1000", "vocab_size 1000");
        Path g = write("w.jsonl", "{\"tokens\":[1],\"prompt_tokens\":[-1]}\n");
        fails(detectIds(profile, g), ExitCodes.BAD_INPUT, "prompt_tokens[0] = -1");
    }

    @Test
    void wrongKeysetPassphrase() {
        Map<String, String> env = new HashMap<>();
        env.put(Passphrase.ENV, "definitely wrong");
        fails(Cli.run(env, "keys", "list", "--keyset", keyset), ExitCodes.KEY, "wrong passphrase");
    }

    @Test
    void corruptedKeyset() throws IOException {
        Path k = write("corrupt.pmk", "{\"header\": \"@@@\", \"ciphertext\": \"\"}");
        fails(Cli.run("keys", "list", "--keyset", k.toString()), ExitCodes.KEY, "corrupt");
    }

    @Test
    void profileKeyMismatch() throws IOException {
        Path other = dir.resolve("other.json");
        ok(Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "someone-else", "--tokenizer", "none",
                "--vocab-size", "1000", "--out", other.toString()));
        Path f = write("ok.jsonl", "{\"tokens\":[1,2,3]}\n");
        fails(detectIds(other.toString(), f), ExitCodes.KEY, "profile/key mismatch", "someone-else", "bad-1");
    }

    @Test
    void emptyText() throws IOException {
        Path f = write("empty.txt", "");
        fails(Cli.run("detect", "--profile", profileText, "--keyset", keyset, "--text", f.toString()),
                ExitCodes.BAD_INPUT, "empty.txt", "empty");
        Path ws = write("blank.txt", " \n\t\n");
        fails(Cli.run("detect", "--profile", profileText, "--keyset", keyset, "--text", ws.toString()),
                ExitCodes.BAD_INPUT, "empty");
    }

    @Test
    void invalidUtf8Text() throws IOException {
        Path f = dir.resolve("latin1.txt");
        Files.write(f, "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        fails(Cli.run("detect", "--profile", profileText, "--keyset", keyset, "--text", f.toString()),
                ExitCodes.BAD_INPUT, "not valid UTF-8", "byte offset 3");
    }

    @Test
    void textWithATokenizerlessProfile() throws IOException {
        Path f = write("t.txt", "hello world");
        fails(Cli.run("detect", "--profile", profile, "--keyset", keyset, "--text", f.toString()),
                ExitCodes.BAD_INPUT, "this profile has no tokenizer; use --token-ids");
    }

    @Test
    void profileWithUnknownField() throws IOException {
        String json = Files.readString(Path.of(profile)).replaceFirst("\\{", "{\n  \"gama\" : 0.5,");
        Path p = write("unknown.json", json);
        fails(Cli.run("profile", "show", p.toString()), ExitCodes.BAD_INPUT, "invalid profile", "'gama'",
                "not a known field");
        Path f = write("ok2.jsonl", "{\"tokens\":[1,2,3]}\n");
        fails(detectIds(p.toString(), f), ExitCodes.BAD_INPUT, "'gama'");
    }

    @Test
    void missingPassphrase() {
        // no environment variable and no console (as under cron or CI)
        fails(Cli.runWith(new HashMap<>(), null, null, "keys", "list", "--keyset", keyset), ExitCodes.KEY,
                "PROVMARK_KEYSET_PASSPHRASE");
    }

    @Test
    void existingKeysetWithoutForce() throws IOException {
        byte[] before = Files.readAllBytes(Path.of(keyset));
        fails(Cli.run("keys", "create", "--keyset", keyset), ExitCodes.BAD_INPUT, "already exists", "--force");
        assertEquals(new String(before, StandardCharsets.ISO_8859_1),
                new String(Files.readAllBytes(Path.of(keyset)), StandardCharsets.ISO_8859_1), "keyset untouched");
        Path copy = dir.resolve("copy.pmk");
        Files.write(copy, before);
        ok(Cli.run("keys", "create", "--keyset", copy.toString(), "--force"));
    }

    @Test
    void existingProfileWithoutForce() {
        fails(Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "bad-1", "--tokenizer", "none",
                "--vocab-size", "1000", "--out", profile), ExitCodes.BAD_INPUT, "already exists");
    }

    @Test
    void usageErrors() {
        Cli.Result r = Cli.run("detect", "--profile", profile, "--keyset", keyset);
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().startsWith("provmark: error: "), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--key-id", "bad-1", "--tokenizer", "none",
                "--vocab-size", "1000", "--gamma", "1.5", "--out", dir.resolve("g.json").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().startsWith("provmark: error: --gamma must be in (0, 1)"), r::toString);
        assertFalse(Files.exists(dir.resolve("g.json")), "nothing written on error");
        r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "bad-1", "--tokenizer", "none",
                "--out", dir.resolve("g.json").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--vocab-size is required"), r::toString);
        r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "bad-1", "--tokenizer", "cl100k_base",
                "--vocab-size", "50000", "--out", dir.resolve("g.json").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        r = Cli.run("detect", "--profile", profile, "--keyset", keyset, "--token-ids", "x", "--format", "xml");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        r = Cli.run("nonsense");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
    }

    @Test
    void verboseAddsAStackTrace() {
        Map<String, String> env = new HashMap<>();
        env.put(Passphrase.ENV, "definitely wrong");
        Cli.Result r = Cli.run(env, "keys", "list", "--keyset", keyset, "--verbose");
        assertEquals(ExitCodes.KEY, r.code());
        assertTrue(r.err().startsWith("provmark: error: "));
        assertTrue(r.err().contains("\tat "), r::toString);
    }
}
