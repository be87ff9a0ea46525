package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.cli.probe.Prober;
import io.provmark.cli.serve.FaultSpec;
import io.provmark.cli.serve.OpenAiServer;
import io.provmark.cli.serve.ServedModel;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * provmark probe against provmark's OpenAI-compatible server on loopback: injected 429/500/stalls/non-JSON/empty
 * answers are retried until every prompt is answered exactly once; a probe killed mid-run (a separate JVM,
 * destroyForcibly) and a torn last record are resumed without loss or duplicates; endpoint down, malformed
 * responses, empty answers, a wrong API key and bad input files give clear errors and lose nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "sk-probe-secret-3141592653";

    Path dir;
    ServedModel served;
    TextTokenizer tok;
    KneserNeyModel kn;

    @BeforeAll
    void setUp(@TempDir Path tmp) {
        dir = tmp;
        tok = Tokenizers.byId("r50k_base");
        SplittableRandom rnd = new SplittableRandom(11);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            docs.add(rnd.ints(400, 1000, 3000).toArray());
        }
        kn = KneserNeyModel.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256());
        served = new ServedModel("suspect", kn, tok, null, -1, null);
    }

    private OpenAiServer server(String faults, String apiKey, OpenAiServer.RequestHook hook) {
        OpenAiServer.Config c = new OpenAiServer.Config();
        if (faults != null) {
            c.faults = FaultSpec.parse(faults);
        }
        c.apiKey = apiKey;
        c.hook = hook;
        return OpenAiServer.start(served, c);
    }

    private Path prompts(String name, int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(JSON.writeValueAsString(Map.of("id", "p-" + i, "prompt", "Question number " + i + ": what did the jury say?")))
                    .append('\n');
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb.toString());
        return f;
    }

    private static List<String> probeArgs(OpenAiServer s, Path prompts, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("probe", "--endpoint", "http://127.0.0.1:" + s.port() + "/v1",
                "--model", "suspect", "--prompts", prompts.toString(), "--out", out.toString(), "--max-tokens", "20"));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            if (extra[i].startsWith("--") && at > 0 && i + 1 < extra.length && !extra[i + 1].startsWith("--")) {
                a.set(at + 1, extra[++i]); // an extra option replaces the default one
            } else {
                a.add(extra[i]);
            }
        }
        return a;
    }

    private static Cli.Result probe(Map<String, String> env, List<String> args) {
        return Cli.run(env, args.toArray(new String[0]));
    }

    private static List<JsonNode> records(Path out) throws IOException {
        List<JsonNode> r = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            r.add(JSON.readTree(line));
        }
        return r;
    }

    /** Every prompt id exactly once, and nothing else. */
    private static void assertExactlyOnce(Path out, int n) throws IOException {
        List<JsonNode> recs = records(out);
        List<String> ids = new ArrayList<>();
        for (JsonNode r : recs) {
            ids.add(r.get("id").asText());
        }
        Set<String> want = new HashSet<>();
        for (int i = 0; i < n; i++) {
            want.add("p-" + i);
        }
        assertEquals(n, ids.size(), "one record per prompt: " + ids);
        assertEquals(want, new HashSet<>(ids), "every prompt answered");
    }

    @Test
    void injectedFaultsAreRetriedAndEveryPromptIsAnsweredOnce() throws Exception {
        // fault rate 0.4 per request; with 25 attempts a prompt fails for good with probability 0.4^25 < 1e-9
        String spec = "429:0.15,500:0.1,timeout:0.05,malformed:0.05,empty:0.05,seed=7,retry-after=1,stall=5";
        FaultSpec f = FaultSpec.parse(spec);
        int[] first40 = new int[FaultSpec.Fault.values().length];
        for (int k = 0; k < 40; k++) {
            first40[f.decide(k).ordinal()]++;
        }
        for (FaultSpec.Fault kind : FaultSpec.Fault.values()) {
            assertTrue(first40[kind.ordinal()] > 0, "seed 7 injects " + kind + " among the first 40 requests");
        }
        Path prompts = prompts("faults.jsonl", 40);
        Path out = dir.resolve("faults-answers.jsonl");
        try (OpenAiServer s = server(spec, null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--concurrency", "4", "--max-retries", "24",
                    "--timeout", "2", "--backoff", "0.05", "--max-backoff", "0.5"));
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.err().contains("probe [") && r.err().contains("40/40 answered"), "progress bar: " + r);
            assertTrue(r.out().contains("40/40 prompts answered"), r::toString);
            // the server's fault sequence is fixed by the seed and at least 40 requests were made
            for (FaultSpec.Fault kind : FaultSpec.Fault.values()) {
                if (kind != FaultSpec.Fault.NONE) {
                    assertTrue(s.faultCount(kind) >= first40[kind.ordinal()], kind + " injected");
                }
            }
        }
        assertExactlyOnce(out, 40);
        assertFalse(Files.exists(dir.resolve("faults-answers.failures.jsonl")));
        int retried = 0;
        for (JsonNode rec : records(out)) {
            retried += rec.get("attempts").asInt() > 1 ? 1 : 0;
            assertEquals(200, rec.get("http_status").asInt());
            assertEquals("suspect", rec.get("model").asText());
            assertEquals("chat", rec.get("mode").asText());
            assertFalse(rec.get("answer").asText().isEmpty());
            assertEquals(20, rec.get("answer_tokens").size());
            int[] ids = new int[20];
            for (int i = 0; i < 20; i++) {
                ids[i] = rec.get("answer_tokens").get(i).asInt();
            }
            assertEquals(tok.decode(ids), rec.get("answer").asText());
            // chain of custody: the stored bodies hash to the recorded digests
            assertEquals(Prober.sha256(rec.get("request").asText().getBytes(StandardCharsets.UTF_8)),
                    rec.get("request_sha256").asText());
            assertEquals(Prober.sha256(rec.get("response").asText().getBytes(StandardCharsets.UTF_8)),
                    rec.get("response_sha256").asText());
            assertEquals(rec.get("answer").asText(),
                    JSON.readTree(rec.get("response").asText()).get("choices").get(0).get("message").get("content").asText());
            assertTrue(rec.get("started").asText().endsWith("Z") && rec.get("finished").asText().endsWith("Z"));
            assertTrue(rec.get("started").asText().compareTo(rec.get("finished").asText()) <= 0);
        }
        assertTrue(retried > 0, "some answers needed retries");
    }

    @Test
    void killedProbeResumesWithoutLossOrDuplicates() throws Exception {
        // requests from index 10 on wait at the server until released: the child can write exactly 10 answers
        CountDownLatch gate = new CountDownLatch(1);
        Path prompts = prompts("kill.jsonl", 30);
        Path out = dir.resolve("kill-answers.jsonl");
        Path childLog = dir.resolve("child.log");
        try (OpenAiServer s = server(null, null, index -> {
            if (index >= 10) {
                gate.await();
            }
        })) {
            String java = ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    "io.provmark.cli.Main"));
            cmd.addAll(probeArgs(s, prompts, out, "--mode", "completions", "--concurrency", "2"));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
            try {
                // wait (without a time assertion) until the 10 answers the gate allows are durable
                while (countLines(out) < 10) {
                    if (!child.isAlive()) {
                        fail("probe child exited early (" + child.exitValue() + "): " + Files.readString(childLog));
                    }
                    Thread.sleep(50);
                }
            } finally {
                child.destroyForcibly();
                child.waitFor();
            }
            byte[] before = Files.readAllBytes(out);
            assertEquals(10, countLines(out), "killed after exactly 10 answers");
            // and as if the kill had hit mid-write: half of a record, no newline
            String torn = "{\"id\":\"p-29\",\"prompt\":\"Question number 29: what did the jury say?\",\"answer\":\"The";
            Files.write(out, torn.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
            gate.countDown();

            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--mode", "completions", "--concurrency", "3"));
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.err().contains("torn record"), r::toString);
            assertTrue(r.out().contains("30/30 prompts answered") && r.out().contains("20 now, 10 earlier"), r::toString);
            byte[] after = Files.readAllBytes(out);
            assertArrayEquals(before, Arrays.copyOf(after, before.length), "the first run's records are untouched");
        }
        assertExactlyOnce(out, 30);
        Set<String> runs = new HashSet<>();
        for (JsonNode rec : records(out)) {
            runs.add(rec.get("run_id").asText());
        }
        assertEquals(2, runs.size(), "two runs wrote the file");

        // a third run has nothing left to do
        try (OpenAiServer s = server(null, null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--mode", "completions"));
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("(0 now, 30 earlier)"), r::toString);
            assertEquals(0, s.requestCount());
        }
        assertExactlyOnce(out, 30);
    }

    private static long countLines(Path f) throws IOException {
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        long n = 0;
        for (byte x : b) {
            n += x == '\n' ? 1 : 0;
        }
        return n;
    }

    @Test
    void endpointDownIsAClearErrorAndLosesNothing() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        Path prompts = prompts("down.jsonl", 3);
        Path out = dir.resolve("down-answers.jsonl");
        Cli.Result r = Cli.run("probe", "--endpoint", "http://127.0.0.1:" + port + "/v1", "--model", "suspect",
                "--prompts", prompts.toString(), "--out", out.toString(), "--max-retries", "2", "--backoff", "0.01",
                "--timeout", "5");
        assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
        assertTrue(r.err().contains("cannot connect to http://127.0.0.1:" + port), r::toString);
        assertTrue(r.err().contains("rerun the same command to resume"), r::toString);
        assertEquals(0, countLines(out), "nothing half-written");
        assertFalse(Files.exists(dir.resolve("down-answers.failures.jsonl")), "not a per-prompt failure");
    }

    @Test
    void malformedAndEmptyResponsesAreRetriedThenListedAsFailuresAndARerunCompletes() throws Exception {
        Path prompts = prompts("bad.jsonl", 3);
        Path out = dir.resolve("bad-answers.jsonl");
        Path failures = dir.resolve("bad-answers.failures.jsonl");
        try (OpenAiServer s = server("malformed:1", null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--max-retries", "1", "--backoff", "0.01"));
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("not valid JSON") && r.err().contains("3 prompt(s) failed"), r::toString);
            assertEquals(6, s.requestCount(), "two attempts per prompt");
        }
        List<JsonNode> f = records(failures);
        assertEquals(3, f.size());
        for (JsonNode x : f) {
            assertTrue(x.get("error").asText().contains("response is not valid JSON"), x.toString());
            assertEquals(2, x.get("attempts").asInt());
            assertEquals(200, x.get("http_status").asInt());
        }
        assertEquals(0, countLines(out));

        try (OpenAiServer s = server("empty:1", null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--max-retries", "0", "--mode", "completions"));
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("empty answer"), r::toString);
        }
        assertTrue(records(failures).get(0).get("error").asText().contains("empty answer"));

        try (OpenAiServer s = server(null, null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out));
            assertEquals(0, r.code(), r::toString);
        }
        assertExactlyOnce(out, 3);
        assertFalse(Files.exists(failures), "no stale failures after a complete run");
    }

    @Test
    void apiKeyComesFromTheEnvironmentAndIsNeverWritten() throws Exception {
        Path prompts = prompts("key.jsonl", 4);
        Path out = dir.resolve("key-answers.jsonl");
        try (OpenAiServer s = server(null, API_KEY, null)) {
            Map<String, String> env = Cli.env();
            env.put(ProbeCommand.API_KEY_ENV, API_KEY + "-wrong");
            Cli.Result r = probe(env, probeArgs(s, prompts, out));
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("rejected the API key") && r.err().contains("PROVMARK_PROBE_API_KEY"), r::toString);
            assertFalse(r.all().contains(API_KEY), "the key is never printed");

            env.put(ProbeCommand.API_KEY_ENV, API_KEY);
            r = probe(env, probeArgs(s, prompts, out, "--mode", "completions"));
            assertEquals(0, r.code(), r::toString);
            assertFalse(r.all().contains(API_KEY));
        }
        assertExactlyOnce(out, 4);
        assertFalse(Files.readString(out).contains(API_KEY), "the key is not in the records");
        for (JsonNode rec : records(out)) {
            assertEquals("completions", rec.get("mode").asText());
            assertTrue(rec.get("endpoint").asText().endsWith("/v1/completions"));
        }
    }

    @Test
    void chatMessagesAndTextPromptsAreSentAsDocumented() throws Exception {
        Path p = dir.resolve("chat.jsonl");
        Files.writeString(p, "{\"id\":1,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}]}\n{\"id\":\"t\",\"text\":\"Hello\"}\n");
        Path out = dir.resolve("chat-answers.jsonl");
        try (OpenAiServer s = server(null, null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, p, out, "--rate", "50/s", "--concurrency", "2"));
            assertEquals(0, r.code(), r::toString);
        }
        for (JsonNode rec : records(out)) {
            String rendered;
            if (rec.get("id").isInt()) {
                assertEquals(1, rec.get("id").asInt());
                assertEquals("Be brief.", rec.get("messages").get(0).get("content").asText());
                rendered = "System: Be brief.\n\nUser: Hi\n\nAssistant:";
            } else {
                assertEquals("Hello", rec.get("prompt").asText());
                rendered = "User: Hello\n\nAssistant:";
            }
            int[] want = tok.encode(rendered);
            int[] got = new int[rec.get("prompt_tokens").size()];
            for (int i = 0; i < got.length; i++) {
                got[i] = rec.get("prompt_tokens").get(i).asInt();
            }
            assertArrayEquals(want, got, "the chat template of docs/probe.md");
        }
        assertEquals(2, records(out).size());
    }

    /**
     * serve (watermarked) → probe (with 429s) → attribute: the harvested answers, exported as token ids, are
     * attributed to our key; the same model served without the watermark is not. Model and scheme as in
     * ServeModelIntegrationTest (green probability about 0.71 per watermarked token): 12 answers of 60 tokens
     * give about 700 scored tuples, where p >= 1e-6 needs a green fraction below about 0.33, probability below
     * exp(-2 * 700 * 0.32^2) < 1e-60 (Azuma-Hoeffding). Clean answers reach p < 1e-6 with probability <= 1e-6.
     */
    @Test
    void probedAnswersOfAWatermarkedModelAreAttributed() throws Exception {
        Path ks = dir.resolve("teacher.pmk");
        Path prof = dir.resolve("teacher.json");
        assertEquals(0, Cli.run("keys", "create", "--keyset", ks.toString(), "--id", "teacher-1").code());
        Cli.Result r = Cli.run("profile", "create", "--scheme", "red-green", "--keyset", ks.toString(), "--tokenizer",
                "r50k_base", "--gamma", "0.25", "--delta", "2", "--context-width", "1", "--out", prof.toString());
        assertEquals(0, r.code(), r::toString);
        io.provmark.core.profile.Profile profile = io.provmark.core.profile.ProfileJson.read(Files.readString(prof));
        io.provmark.core.scheme.Embedder emb = io.provmark.core.scheme.Schemes.create(profile,
                Io.openKeyset(ks, Cli.PASS.toCharArray()).key("teacher-1")).embedder();
        Path prompts = prompts("attr.jsonl", 12);
        for (boolean watermarked : new boolean[] {true, false}) {
            String tag = watermarked ? "wm" : "clean";
            Path out = dir.resolve(tag + "-answers.jsonl");
            Path ids = dir.resolve(tag + "-ids.jsonl");
            OpenAiServer.Config c = new OpenAiServer.Config();
            c.faults = FaultSpec.parse("429:0.2,seed=1,retry-after=0");
            ServedModel m = new ServedModel("suspect", kn, tok, watermarked ? emb : null, -1, null);
            try (OpenAiServer s = OpenAiServer.start(m, c)) {
                r = probe(Cli.env(), probeArgs(s, prompts, out, "--max-tokens", "60", "--backoff", "0.01",
                        "--max-retries", "20", "--token-ids-out", ids.toString()));
                assertEquals(0, r.code(), r::toString);
                assertTrue(r.out().contains("wrote 12 answers as token ids"), r::toString);
            }
            List<JsonNode> idRecs = records(ids);
            assertEquals(12, idRecs.size());
            assertEquals("p-0", idRecs.get(0).get("id").asText(), "prompt order");
            assertEquals(60, idRecs.get(0).get("tokens").size());
            r = Cli.run("attribute", "--profile", prof.toString(), "--keyset", ks.toString(), "--answers", ids.toString(),
                    "--controls", "0", "--format", "json");
            assertEquals(0, r.code(), r::toString);
            double log10p = JSON.readTree(r.out()).get("log10_p_value").asDouble();
            if (watermarked) {
                assertTrue(log10p < -6, "watermarked teacher's probed answers: log10 p = " + log10p);
                assertEquals("attributed", JSON.readTree(r.out()).get("verdict").asText());
            } else {
                assertTrue(log10p > -6, "clean model's probed answers: log10 p = " + log10p);
            }
        }
    }

    /** A minimal other OpenAI-style endpoint (JDK HttpServer): no token ids, fixed body and status. */
    private static com.sun.net.httpserver.HttpServer plainEndpoint(int status, String body,
                                                                   java.util.concurrent.atomic.AtomicInteger hits)
            throws IOException {
        com.sun.net.httpserver.HttpServer h = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        h.createContext("/v1/chat/completions", ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        h.start();
        return h;
    }

    @Test
    void otherEndpointsWithoutTokenIdsAndTheirErrors() throws Exception {
        Path prompts = prompts("plain.jsonl", 2);
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        String ok = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello world\"},\"finish_reason\":\"stop\"}]}";
        com.sun.net.httpserver.HttpServer h = plainEndpoint(200, ok, hits);
        try {
            String base = "http://127.0.0.1:" + h.getAddress().getPort() + "/v1";
            Path out = dir.resolve("plain-answers.jsonl");
            Path ids = dir.resolve("plain-ids.jsonl");
            Cli.Result r = Cli.run("probe", "--endpoint", base, "--model", "gpt-x", "--prompts", prompts.toString(),
                    "--out", out.toString(), "--token-ids-out", ids.toString());
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.err().contains("no token ids") && r.err().contains("--tokenizer"), r::toString);
            assertEquals(0, countLines(ids));
            assertFalse(records(out).get(0).has("answer_tokens"));
            assertEquals("gpt-x", records(out).get(0).get("response_model").asText());
            r = Cli.run("probe", "--endpoint", base, "--model", "gpt-x", "--prompts", prompts.toString(),
                    "--out", out.toString(), "--token-ids-out", ids.toString(), "--tokenizer", "r50k_base");
            assertEquals(0, r.code(), r::toString);
            for (JsonNode rec : records(ids)) {
                assertArrayEquals(tok.encode("Hello world"), ints(rec.get("tokens")));
                int i = Integer.parseInt(rec.get("id").asText().substring(2));
                assertArrayEquals(tok.encode("Question number " + i + ": what did the jury say?"),
                        ints(rec.get("prompt_tokens")));
            }
        } finally {
            h.stop(0);
        }
        // a 400 is the prompt's permanent failure: not retried
        hits.set(0);
        h = plainEndpoint(400, "{\"error\":{\"message\":\"prompt too long\",\"type\":\"invalid_request_error\"}}", hits);
        try {
            Path out = dir.resolve("plain400.jsonl");
            Cli.Result r = Cli.run("probe", "--endpoint", "http://127.0.0.1:" + h.getAddress().getPort() + "/v1",
                    "--model", "gpt-x", "--prompts", prompts.toString(), "--out", out.toString(), "--backoff", "0");
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("HTTP 400: prompt too long"), r::toString);
            assertEquals(2, hits.get(), "one attempt per prompt");
        } finally {
            h.stop(0);
        }
        // JSON without choices is malformed: retried, then a failure
        hits.set(0);
        h = plainEndpoint(200, "{\"id\":\"x\",\"choices\":[]}", hits);
        try {
            Path out = dir.resolve("plain-nochoices.jsonl");
            Cli.Result r = Cli.run("probe", "--endpoint", "http://127.0.0.1:" + h.getAddress().getPort() + "/v1",
                    "--model", "gpt-x", "--prompts", prompts.toString(), "--out", out.toString(), "--backoff", "0",
                    "--max-retries", "2");
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("malformed response: no choices[0]"), r::toString);
            assertEquals(6, hits.get(), "three attempts per prompt");
            assertEquals(0, countLines(out));
        } finally {
            h.stop(0);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void readingModeStoresEchoedLogprobs() throws Exception {
        Path prompts = prompts("read.jsonl", 2);
        Path out = dir.resolve("read-answers.jsonl");
        try (OpenAiServer s = server(null, null, null)) {
            Cli.Result r = probe(Cli.env(), probeArgs(s, prompts, out, "--mode", "completions", "--echo", "--logprobs",
                    "1", "--max-tokens", "0", "--no-raw"));
            assertEquals(0, r.code(), r::toString);
        }
        for (JsonNode rec : records(out)) {
            assertEquals(rec.get("prompt").asText(), rec.get("answer").asText(), "echo returns the prompt");
            JsonNode lp = rec.get("logprobs");
            int n = tok.encode(rec.get("prompt").asText()).length;
            assertEquals(n, lp.get("token_ids").size());
            assertEquals(n, lp.get("top_token_ids").size());
            assertTrue(lp.get("token_logprobs").get(0).isNull());
            assertEquals(1, lp.get("top_token_ids").get(1).size());
            assertFalse(rec.has("request") || rec.has("response"), "--no-raw keeps only the hashes");
            assertEquals(64, rec.get("response_sha256").asText().length());
        }
    }

    @Test
    void badInputsGiveClearErrorsAndLeaveFilesAlone() throws Exception {
        try (OpenAiServer s = server(null, null, null)) {
            Path good = prompts("ok.jsonl", 2);
            Path out = dir.resolve("x-answers.jsonl");

            Path p = dir.resolve("malformed.jsonl");
            Files.writeString(p, "{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"b\",\"prompt\":\n");
            Cli.Result r = probe(Cli.env(), probeArgs(s, p, out));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("line 2") && r.err().contains("malformed JSON"), r::toString);

            Files.writeString(p, "{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"a\",\"prompt\":\"y\"}\n");
            r = probe(Cli.env(), probeArgs(s, p, out));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("appears twice"), r::toString);

            Files.writeString(p, "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n");
            r = probe(Cli.env(), probeArgs(s, p, out, "--mode", "completions"));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("--mode chat"), r::toString);

            r = probe(Cli.env(), probeArgs(s, good, out, "--mode", "batch"));
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertEquals(5.0, ProbeCommand.parseRate("5/s"));
            assertEquals(2.5, ProbeCommand.parseRate(" 2.5 "));
            assertEquals(0.0, ProbeCommand.parseRate("0"));
            assertEquals(dir.resolve("a.failures.jsonl"), ProbeCommand.defaultFailures(dir.resolve("a.jsonl")));
            r = probe(Cli.env(), probeArgs(s, good, out, "--rate", "fast"));
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("--rate"), r::toString);
            r = Cli.run("probe", "--endpoint", "http://127.0.0.1:" + s.port() + "/v1/chat/completions", "--model",
                    "suspect", "--prompts", good.toString(), "--out", out.toString());
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("API base"), r::toString);
            assertFalse(Files.exists(out), "nothing written on a usage error");

            r = probe(Cli.env(), probeArgs(s, good, out, "--model", "other-model"));
            assertEquals(ProbeCommand.INCOMPLETE, r.code(), r::toString);
            assertTrue(r.err().contains("not found") && r.err().contains("--model"), r::toString);

            // a corrupted answers file is refused and left as it is
            Path broken = dir.resolve("broken.jsonl");
            String content = "{\"id\":\"p-0\",\"model\":\"suspect\",\"prompt\":\"x\"}\ngarbage\n";
            Files.writeString(broken, content);
            r = probe(Cli.env(), probeArgs(s, good, broken));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("line 2"), r::toString);
            assertEquals(content, Files.readString(broken));

            // answers of another model or another prompt under the same id are not mixed in
            Path other = dir.resolve("other.jsonl");
            Files.writeString(other, "{\"id\":\"p-0\",\"model\":\"someone-else\",\"prompt\":\"x\"}\n");
            r = probe(Cli.env(), probeArgs(s, good, other));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("someone-else"), r::toString);
            Files.writeString(other, "{\"id\":\"p-0\",\"model\":\"suspect\",\"prompt\":\"a different prompt\"}\n");
            r = probe(Cli.env(), probeArgs(s, good, other));
            assertEquals(ExitCodes.BAD_INPUT, r.code(), r::toString);
            assertTrue(r.err().contains("different prompt"), r::toString);
            assertNotEquals(0, Files.size(other));
        }
    }
}
