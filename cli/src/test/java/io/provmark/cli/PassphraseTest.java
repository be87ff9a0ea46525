package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The passphrase comes from the environment, else the console (twice when creating). */
class PassphraseTest {
    @TempDir
    Path dir;

    /** A console that answers prompts from a script and records them. */
    static final class FakeConsole implements CliContext.SecretPrompter {
        final Deque<String> answers;
        final List<String> prompts = new ArrayList<>();

        FakeConsole(String... answers) {
            this.answers = new ArrayDeque<>(List.of(answers));
        }

        @Override
        public char[] readSecret(String prompt) {
            prompts.add(prompt);
            String a = answers.poll();
            return a == null ? null : a.toCharArray();
        }
    }

    @Test
    void consoleIsAskedTwiceWhenCreatingAndOnceWhenOpening() {
        String ks = dir.resolve("k.pmk").toString();
        FakeConsole create = new FakeConsole("typed passphrase", "typed passphrase");
        Cli.Result r = Cli.runWith(new HashMap<>(), null, create, "keys", "create", "--keyset", ks);
        assertEquals(0, r.code(), r::toString);
        assertEquals(2, create.prompts.size());
        FakeConsole open = new FakeConsole("typed passphrase");
        r = Cli.runWith(new HashMap<>(), null, open, "keys", "rotate", "--keyset", ks);
        assertEquals(0, r.code(), r::toString);
        assertEquals(1, open.prompts.size(), "rotate opens and rewrites with one prompt");
        r = Cli.runWith(new HashMap<>(), null, new FakeConsole("typed passphrase"), "keys", "list", "--keyset", ks);
        assertEquals(0, r.code(), r::toString);
        assertEquals(3, r.out().lines().count());
    }

    @Test
    void mismatchedConfirmationCreatesNothing() {
        Path ks = dir.resolve("k2.pmk");
        Cli.Result r = Cli.runWith(new HashMap<>(), null, new FakeConsole("first passphrase", "second passphrase"),
                "keys", "create", "--keyset", ks.toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("do not match"), r::toString);
        assertFalse(Files.exists(ks));
    }

    @Test
    void shortPassphraseIsRefused() {
        Path ks = dir.resolve("k3.pmk");
        HashMap<String, String> env = new HashMap<>();
        env.put(Passphrase.ENV, "short");
        Cli.Result r = Cli.run(env, "keys", "create", "--keyset", ks.toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("at least 8 characters"), r::toString);
        assertFalse(Files.exists(ks));
    }

    @Test
    void environmentWinsOverConsole() {
        String ks = dir.resolve("k4.pmk").toString();
        FakeConsole console = new FakeConsole();
        Cli.Result r = Cli.runWith(Cli.env(), null, console, "keys", "create", "--keyset", ks);
        assertEquals(0, r.code(), r::toString);
        assertTrue(console.prompts.isEmpty());
    }

    @Test
    void thereIsNoPassphraseOption() {
        Cli.Result r = Cli.run("keys", "create", "--keyset", dir.resolve("k5.pmk").toString(), "--passphrase", "x");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
    }
}
