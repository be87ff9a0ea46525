package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.cli.serve.OpenAiServer;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.Keyset;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * provmark serve-model as the CLI starts it, with a real keyset and profile: answers fetched over loopback HTTP
 * carry the watermark (core Detector on the returned token ids), answers of the same model served without the
 * watermark do not, and bad options or files give clear errors.
 *
 * <p>Model: a trigram model over 2,000 r50k_base ids drawn uniformly (60 documents of 400), so the next-token
 * distribution is close to uniform over ~2,000 ids. Red-green gamma 0.25, delta 2 then makes each generated
 * token green with probability about 0.25e^2 / (0.25e^2 + 0.75) = 0.71. An answer of 150 tokens has about
 * 150 scored positions; p >= 1e-6 needs a green fraction below about 0.42, which by Azuma-Hoeffding (per-step
 * green probability >= 0.65) has probability below exp(-2 * 150 * 0.23^2) < 2e-7 per answer. Unwatermarked
 * answers reach p < 1e-6 with probability at most 1e-6 each (the p-value is exact or conservative).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeModelIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Path dir;
    Path keyset;
    Path profile;
    Path model;
    TextTokenizer tok;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        dir = tmp;
        keyset = dir.resolve("k.pmk");
        profile = dir.resolve("p.json");
        model = dir.resolve("teacher.bin");
        Cli.Result r = Cli.run("keys", "create", "--keyset", keyset.toString(), "--id", "serve-1");
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", keyset.toString(), "--tokenizer",
                "r50k_base", "--gamma", "0.25", "--delta", "2", "--context-width", "1", "--out", profile.toString());
        assertEquals(0, r.code(), r::toString);
        tok = Tokenizers.byId("r50k_base");
        SplittableRandom rnd = new SplittableRandom(11);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            docs.add(rnd.ints(400, 1000, 3000).toArray());
        }
        KneserNeyModel.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256()).save(model);
    }

    /** Starts the server the way {@code provmark serve-model ARGS} does, on a free port. */
    static OpenAiServer start(Map<String, String> env, ByteArrayOutputStream out, String... args) {
        CliContext ctx = new CliContext(env, System.in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), null);
        CommandLine cl = Main.commandLine(ctx);
        List<String> all = new ArrayList<>(List.of("serve-model", "--port", "0"));
        all.addAll(List.of(args));
        CommandLine.ParseResult pr = cl.parseArgs(all.toArray(new String[0]));
        return ((ServeModelCommand) pr.subcommand().commandSpec().userObject()).start();
    }

    private JsonNode post(OpenAiServer s, String path, Object body) throws IOException, InterruptedException {
        return post(s, path, body, null, 200);
    }

    private JsonNode post(OpenAiServer s, String path, Object body, String bearer, int status)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** log10 p of each answer (completions and chat, two seeds each) under the profile's key. */
    private List<Double> servedAnswersLog10P(OpenAiServer s, String name) throws Exception {
        Profile p = ProfileJson.read(Files.readString(profile));
        Keyset ks = Io.openKeyset(keyset, Cli.PASS.toCharArray());
        Detector det = new Detector(Schemes.create(p, ks.key(p.keyId())));
        List<Double> out = new ArrayList<>();
        for (int seed = 1; seed <= 2; seed++) {
            JsonNode c = post(s, "/v1/completions", Map.of("model", name, "prompt", "The jury said", "max_tokens", 150,
                    "seed", seed)).get("choices").get(0);
            assertEquals(150, c.get("token_ids").size());
            out.add(det.detect(ids(c.get("token_ids")), ids(c.get("prompt_token_ids")), false).log10PValue());
            JsonNode ch = post(s, "/v1/chat/completions", Map.of("model", name, "max_tokens", 150, "seed", seed,
                    "messages", List.of(Map.of("role", "user", "content", "Tell me about the city.")))).get("choices").get(0);
            Evidence e = det.detect(ids(ch.get("token_ids")), ids(ch.get("prompt_token_ids")), false);
            assertTrue(e.numScored() > 100, "scored " + e.numScored());
            assertEquals(tok.decode(ids(ch.get("token_ids"))), ch.get("message").get("content").asText());
            out.add(e.log10PValue());
        }
        return out;
    }

    @Test
    void servedAnswersCarryTheWatermarkAndUnwatermarkedOnesDoNot() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OpenAiServer s = start(Cli.env(), out, "--model", model.toString(), "--profile", profile.toString(),
                "--keyset", keyset.toString(), "--name", "teacher")) {
            String banner = out.toString(StandardCharsets.UTF_8);
            assertTrue(banner.contains("watermark on (key id serve-1)"), banner);
            assertTrue(banner.contains("http://127.0.0.1:" + s.port() + "/v1"), banner);
            assertFalse(banner.contains(Cli.PASS), "no passphrase in output");
            for (double lp : servedAnswersLog10P(s, "teacher")) {
                assertTrue(lp < -6, "watermarked answer log10 p = " + lp);
            }
        }
        out.reset();
        try (OpenAiServer s = start(Cli.env(), out, "--model", model.toString())) {
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("'teacher'"), "default name from the file");
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("watermark off"));
            for (double lp : servedAnswersLog10P(s, "teacher")) {
                assertTrue(lp > -6, "unwatermarked answer log10 p = " + lp);
            }
        }
    }

    /**
     * Two accounts, each served under its own key of one keyset: an account's answers carry its key's watermark
     * (log10 p < -6, failure probability < 2e-7 per answer as above) and not the other key's (an unrelated key
     * gives p < 1e-6 with probability at most 1e-6 per answer).
     */
    @Test
    void eachAccountIsWatermarkedWithItsOwnKey() throws Exception {
        Path ks = dir.resolve("cohorts.pmk");
        assertEquals(0, Cli.run("keys", "create", "--keyset", ks.toString(), "--id", "cohort-a").code());
        Cli.Result r = Cli.run("keys", "rotate", "--keyset", ks.toString(), "--id", "cohort-b");
        assertEquals(0, r.code(), r::toString);
        Path prof = dir.resolve("cohort-profile.json");
        r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", ks.toString(), "--key-id", "cohort-a",
                "--tokenizer", "r50k_base", "--gamma", "0.25", "--delta", "2", "--context-width", "1", "--out",
                prof.toString());
        assertEquals(0, r.code(), r::toString);
        Path accounts = dir.resolve("accounts.jsonl");
        Files.writeString(accounts, "{\"account\":\"acme-1\",\"api_key_sha256\":\""
                + OpenAiServer.sha256Hex("sk-acct-a".getBytes(StandardCharsets.UTF_8)) + "\",\"key_id\":\"cohort-a\"}\n"
                + "{\"account\":\"acme-2\",\"api_key_sha256\":\""
                + OpenAiServer.sha256Hex("sk-acct-b".getBytes(StandardCharsets.UTF_8)) + "\",\"key_id\":\"cohort-b\"}\n");
        Profile p = ProfileJson.read(Files.readString(prof));
        Keyset keys = Io.openKeyset(ks, Cli.PASS.toCharArray());
        Detector detA = new Detector(Schemes.create(p, keys.key("cohort-a")));
        Detector detB = new Detector(Schemes.create(p.withKeyId("cohort-b"), keys.key("cohort-b")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OpenAiServer s = start(Cli.env(), out, "--model", model.toString(), "--profile", prof.toString(),
                "--keyset", ks.toString(), "--accounts", accounts.toString(), "--name", "teacher")) {
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("2 accounts with their own keys"), out.toString());
            Map<String, Object> req = Map.of("model", "teacher", "prompt", "The jury said", "max_tokens", 150, "seed", 3);
            post(s, "/v1/completions", req, null, 401);
            post(s, "/v1/completions", req, "sk-acct-c", 401);
            for (String acct : List.of("a", "b")) {
                JsonNode c = post(s, "/v1/completions", req, "sk-acct-" + acct, 200).get("choices").get(0);
                int[] answer = ids(c.get("token_ids"));
                int[] prompt = ids(c.get("prompt_token_ids"));
                double a = detA.detect(answer, prompt, false).log10PValue();
                double b = detB.detect(answer, prompt, false).log10PValue();
                if (acct.equals("a")) {
                    assertTrue(a < -6 && b > -6, "account a: log10 p under key a " + a + ", under key b " + b);
                } else {
                    assertTrue(b < -6 && a > -6, "account b: log10 p under key a " + a + ", under key b " + b);
                }
            }
        }
        Files.writeString(accounts, "{\"account\":\"x\",\"api_key_sha256\":\"" + "ab".repeat(32)
                + "\",\"key_id\":\"no-such-key\"}\n");
        r = Cli.run("serve-model", "--model", model.toString(), "--profile", prof.toString(), "--keyset", ks.toString(),
                "--accounts", accounts.toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertTrue(r.err().contains("no-such-key"), r::toString);
        Files.writeString(accounts, "{\"account\":\"x\",\"api_key_sha256\":\"sk-plain-key\",\"key_id\":\"cohort-a\"}\n");
        r = Cli.run("serve-model", "--model", model.toString(), "--profile", prof.toString(), "--keyset", ks.toString(),
                "--accounts", accounts.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("64 hex digits"), r::toString);
        r = Cli.run("serve-model", "--model", model.toString(), "--accounts", accounts.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
    }

    @Test
    void badOptionsAndFilesGiveClearErrors() throws IOException {
        Cli.Result r = Cli.run("serve-model", "--model", model.toString(), "--profile", profile.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--profile and --keyset go together"), r::toString);

        r = Cli.run("serve-model", "--model", model.toString(), "--inject-faults", "429:0.5,teapot:0.1");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains("--inject-faults") && r.err().contains("teapot"), r::toString);

        r = Cli.run("serve-model", "--model", dir.resolve("missing.bin").toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("missing.bin"), r::toString);

        Path cl = dir.resolve("cl100k.json");
        r = Cli.run("profile", "create", "--scheme", "gumbel", "--key-id", "serve-1", "--tokenizer", "cl100k_base",
                "--out", cl.toString());
        assertEquals(0, r.code(), r::toString);
        r = Cli.run("serve-model", "--model", model.toString(), "--profile", cl.toString(), "--keyset", keyset.toString());
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
        assertTrue(r.err().contains("wrong profile") && r.err().contains("cl100k_base"), r::toString);

        Map<String, String> env = Cli.env();
        env.put(Passphrase.ENV, "not the passphrase");
        r = Cli.run(env, "serve-model", "--model", model.toString(), "--profile", profile.toString(), "--keyset",
                keyset.toString());
        assertEquals(ExitCodes.KEY, r.code(), r::toString);
        assertFalse(r.all().contains("not the passphrase"), r::toString);

        r = Cli.run("serve-model", "--model", model.toString(), "--port", "70000");
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
    }
}
