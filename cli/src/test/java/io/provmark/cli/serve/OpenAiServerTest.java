package io.provmark.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OpenAiServer over real HTTP on loopback (port 0) with a real Kneser-Ney model trained here: response shapes of
 * completions, chat, echo + logprobs (checked against the model's own probabilities), models, errors, the API
 * key, and injected faults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    KneserNeyModel kn;
    TextTokenizer tok;
    OpenAiServer server;
    OpenAiServer keyed;

    /** A tiny trigram model over r50k_base ids: 60 documents of 400 ids drawn from 2,000 ids. */
    static KneserNeyModel tinyModel(TextTokenizer tok) {
        SplittableRandom rnd = new SplittableRandom(11);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            docs.add(rnd.ints(400, 1000, 3000).toArray());
        }
        return KneserNeyModel.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256());
    }

    @BeforeAll
    void start() {
        tok = Tokenizers.byId("r50k_base");
        kn = tinyModel(tok);
        server = OpenAiServer.start(new ServedModel("tiny", kn, tok, null, -1, null), new OpenAiServer.Config());
        OpenAiServer.Config c = new OpenAiServer.Config();
        c.apiKey = "sk-test-secret-0123456789";
        keyed = OpenAiServer.start(new ServedModel("tiny", kn, tok, null, -1, null), c);
    }

    @AfterAll
    void stop() {
        server.close();
        keyed.close();
    }

    record Resp(int status, JsonNode json, String body, Map<String, List<String>> headers) {
    }

    Resp post(OpenAiServer s, String path, String body, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return send(b.build());
    }

    Resp get(OpenAiServer s, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).GET().build());
    }

    private Resp send(HttpRequest req) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        JsonNode j;
        try {
            j = JSON.readTree(r.body());
        } catch (IOException e) {
            j = null;
        }
        return new Resp(r.statusCode(), j, r.body(), r.headers().map());
    }

    private static void assertError(Resp r, int status, String type, String messagePart) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.json().path("error").path("message").isTextual(), r.body());
        assertEquals(type, r.json().path("error").path("type").asText(), r.body());
        assertTrue(r.json().path("error").path("message").asText().contains(messagePart), r.body());
    }

    @Test
    void completionHasOpenAiShapeAndIsReproducibleBySeed() throws Exception {
        String req = "{\"model\":\"tiny\",\"prompt\":\"The jury said\",\"max_tokens\":20,\"seed\":5}";
        Resp r = post(server, "/v1/completions", req, null);
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("cmpl-"));
        assertEquals("text_completion", j.get("object").asText());
        assertTrue(j.get("created").asLong() > 1_700_000_000L);
        assertEquals("tiny", j.get("model").asText());
        JsonNode c = j.get("choices").get(0);
        assertEquals(0, c.get("index").asInt());
        assertTrue(c.get("logprobs").isNull());
        assertEquals("length", c.get("finish_reason").asText());
        assertEquals(20, c.get("token_ids").size());
        int[] ids = new int[20];
        for (int i = 0; i < 20; i++) {
            ids[i] = c.get("token_ids").get(i).asInt();
        }
        assertEquals(tok.decode(ids), c.get("text").asText());
        int promptTokens = tok.encode("The jury said").length;
        assertEquals(promptTokens, j.get("usage").get("prompt_tokens").asInt());
        assertEquals(20, j.get("usage").get("completion_tokens").asInt());
        assertEquals(promptTokens + 20, j.get("usage").get("total_tokens").asInt());

        Resp again = post(server, "/v1/completions", req, null);
        assertEquals(c.get("text"), again.json().get("choices").get(0).get("text"), "same seed, same answer");
        Resp other = post(server, "/v1/completions", req.replace("\"seed\":5", "\"seed\":6"), null);
        assertNotEquals(c.get("text"), other.json().get("choices").get(0).get("text"), "another seed, another answer");

        Resp two = post(server, "/v1/completions", req.replace("\"seed\":5", "\"seed\":5,\"n\":2"), null);
        assertEquals(2, two.json().get("choices").size());
        assertEquals(1, two.json().get("choices").get(1).get("index").asInt());
        assertEquals(40, two.json().get("usage").get("completion_tokens").asInt());
    }

    @Test
    void completionLogprobsAreTheModelsOwn() throws Exception {
        Resp r = post(server, "/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":[1500,1501,1502],\"max_tokens\":12,\"seed\":3,\"logprobs\":3}", null);
        assertEquals(200, r.status(), r.body());
        JsonNode c = r.json().get("choices").get(0);
        JsonNode lp = c.get("logprobs");
        assertEquals(12, lp.get("tokens").size());
        assertEquals(12, lp.get("token_logprobs").size());
        assertEquals(12, lp.get("top_logprobs").size());
        assertEquals(12, lp.get("text_offset").size());
        int[] seq = {1500, 1501, 1502, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        int prev = -1;
        for (int i = 0; i < 12; i++) {
            int id = c.get("token_ids").get(i).asInt();
            seq[3 + i] = id;
            double want = Math.log(kn.probability(seq, 3 + i, id));
            assertEquals(want, lp.get("token_logprobs").get(i).asDouble(), 1e-4, "position " + i);
            assertEquals(3, lp.get("top_token_ids").get(i).size());
            double top1 = lp.get("top_logprobs").get(i).fields().next().getValue().asDouble();
            assertTrue(top1 >= lp.get("token_logprobs").get(i).asDouble() - 1e-9, "top-1 is at least the sampled token");
            int off = lp.get("text_offset").get(i).asInt();
            assertTrue(off >= prev, "offsets do not decrease");
            prev = off;
            assertEquals(tok.decode(new int[] {id}), lp.get("tokens").get(i).asText());
        }
    }

    @Test
    void echoReadsThePromptWithTeacherForcing() throws Exception {
        String prompt = "The jury said that the city was in trouble";
        Resp r = post(server, "/v1/completions",
                JSON.writeValueAsString(Map.of("model", "tiny", "prompt", prompt, "max_tokens", 0, "echo", true,
                        "logprobs", 2)), null);
        assertEquals(200, r.status(), r.body());
        JsonNode c = r.json().get("choices").get(0);
        assertEquals(prompt, c.get("text").asText());
        JsonNode lp = c.get("logprobs");
        int[] ids = tok.encode(prompt);
        assertEquals(ids.length, lp.get("tokens").size());
        assertTrue(lp.get("token_logprobs").get(0).isNull(), "no context for the first token, as OpenAI");
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        assertEquals(0, lp.get("text_offset").get(0).asInt());
        float[] logits = new float[kn.vocabSize()];
        for (int i = 1; i < ids.length; i++) {
            assertEquals(ids[i], lp.get("token_ids").get(i).asInt());
            assertEquals(Math.log(kn.probability(ids, i, ids[i])), lp.get("token_logprobs").get(i).asDouble(), 1e-4);
            kn.logits(ids, i, logits);
            int argmax = 0;
            for (int w = 1; w < logits.length; w++) {
                if (logits[w] > logits[argmax]) {
                    argmax = w;
                }
            }
            assertEquals(argmax, lp.get("top_token_ids").get(i).get(0).asInt(), "top-1 prediction at " + i);
            assertEquals(prompt.indexOf(tok.decode(new int[] {ids[i]}), lp.get("text_offset").get(i - 1).asInt()),
                    lp.get("text_offset").get(i).asInt(), "offset of token " + i);
        }
        assertEquals(0, r.json().get("usage").get("completion_tokens").asInt());

        Resp both = post(server, "/v1/completions", JSON.writeValueAsString(Map.of("model", "tiny", "prompt", prompt,
                "max_tokens", 5, "echo", true, "logprobs", 1, "seed", 1)), null);
        JsonNode bc = both.json().get("choices").get(0);
        assertTrue(bc.get("text").asText().startsWith(prompt));
        assertEquals(ids.length + 5, bc.get("logprobs").get("tokens").size());
        assertEquals(prompt.length(), bc.get("logprobs").get("text_offset").get(ids.length).asInt());
    }

    @Test
    void chatHasOpenAiShapeAndUsesTheDocumentedTemplate() throws Exception {
        String req = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Tell me about juries.\"}],\"max_tokens\":15,\"seed\":9,"
                + "\"logprobs\":true,\"top_logprobs\":2}";
        Resp r = post(server, "/v1/chat/completions", req, null);
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", j.get("object").asText());
        JsonNode c = j.get("choices").get(0);
        assertEquals("assistant", c.get("message").get("role").asText());
        assertEquals(15, c.get("token_ids").size());
        assertEquals("length", c.get("finish_reason").asText());
        JsonNode content = c.get("logprobs").get("content");
        assertEquals(15, content.size());
        StringBuilder text = new StringBuilder();
        for (JsonNode e : content) {
            text.append(e.get("token").asText());
            assertTrue(e.get("logprob").asDouble() <= 0);
            assertEquals(2, e.get("top_logprobs").size());
            assertTrue(e.get("bytes").isArray());
        }
        assertEquals(c.get("message").get("content").asText(), text.toString());
        String rendered = "System: Be brief.\n\nUser: Tell me about juries.\n\nAssistant:";
        assertEquals(rendered, ChatTemplate.render(List.of(new ChatTemplate.Message("system", "Be brief."),
                new ChatTemplate.Message("user", "Tell me about juries."))));
        assertArrayEquals(tok.encode(rendered), ids(c.get("prompt_token_ids")));
        assertEquals(tok.encode(rendered).length, j.get("usage").get("prompt_tokens").asInt());
    }

    private static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void stopStringsEndTheAnswer() throws Exception {
        Resp full = post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":30,\"seed\":2}", null);
        String text = full.json().get("choices").get(0).get("text").asText();
        // a stop string taken from the middle of the unconstrained answer (same seed: same tokens up to there)
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        Resp r = post(server, "/v1/completions", JSON.writeValueAsString(Map.of("model", "tiny", "prompt", "x",
                "max_tokens", 30, "seed", 2, "stop", stop)), null);
        JsonNode c = r.json().get("choices").get(0);
        assertEquals("stop", c.get("finish_reason").asText(), r.body());
        assertFalse(c.get("text").asText().contains(stop));
        assertTrue(text.startsWith(c.get("text").asText()));
        assertEquals(tok.decode(ids(c.get("token_ids"))), c.get("text").asText());
    }

    /** The data payloads of a server-sent event stream; checks it ends with [DONE]. */
    private static List<JsonNode> events(Resp r) throws IOException {
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("text/event-stream"), r.headers().get("content-type"));
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = r.body().split("\n\n");
        assertEquals("data: [DONE]", blocks[blocks.length - 1]);
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: "), blocks[i]);
            out.add(JSON.readTree(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void streamingSendsTheSameAnswerAsChunks() throws Exception {
        String req = "{\"model\":\"tiny\",\"prompt\":\"The jury said\",\"max_tokens\":25,\"seed\":4";
        String whole = post(server, "/v1/completions", req + "}", null).json().get("choices").get(0).get("text").asText();
        List<JsonNode> ev = events(post(server, "/v1/completions",
                req + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", null));
        StringBuilder sb = new StringBuilder();
        String id = ev.get(0).get("id").asText();
        for (JsonNode e : ev.subList(0, ev.size() - 1)) {
            assertEquals("text_completion", e.get("object").asText());
            assertEquals(id, e.get("id").asText(), "one id for the whole stream");
            sb.append(e.get("choices").get(0).get("text").asText());
        }
        assertEquals(whole, sb.toString(), "chunks add up to the non-streamed answer");
        assertEquals("length", ev.get(ev.size() - 2).get("choices").get(0).get("finish_reason").asText());
        assertTrue(ev.get(ev.size() - 3).get("choices").get(0).get("finish_reason").isNull());
        assertEquals(25, ev.get(ev.size() - 1).get("usage").get("completion_tokens").asInt());

        String chat = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":12,\"seed\":8";
        String content = post(server, "/v1/chat/completions", chat + "}", null).json().get("choices").get(0)
                .get("message").get("content").asText();
        List<JsonNode> cev = events(post(server, "/v1/chat/completions", chat + ",\"stream\":true}", null));
        assertEquals("assistant", cev.get(0).get("choices").get(0).get("delta").get("role").asText());
        StringBuilder cs = new StringBuilder();
        for (JsonNode e : cev) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            cs.append(e.get("choices").get(0).get("delta").path("content").asText(""));
        }
        assertEquals(content, cs.toString());
        assertEquals("length", cev.get(cev.size() - 1).get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void modelsAreListed() throws Exception {
        Resp r = get(server, "/v1/models");
        assertEquals(200, r.status());
        assertEquals("list", r.json().get("object").asText());
        assertEquals("tiny", r.json().get("data").get(0).get("id").asText());
        assertEquals("model", r.json().get("data").get(0).get("object").asText());
        assertEquals(200, get(server, "/v1/models/tiny").status());
        assertError(get(server, "/v1/models/other"), 404, "invalid_request_error", "does not exist");
    }

    @Test
    void badRequestsGetOpenAiStyleErrors() throws Exception {
        assertError(post(server, "/v1/completions", "{not json", null), 400, "invalid_request_error", "not valid JSON");
        assertError(post(server, "/v1/completions", "[1,2]", null), 400, "invalid_request_error", "JSON object");
        assertError(post(server, "/v1/completions", "{\"prompt\":\"x\"}", null), 400, "invalid_request_error", "model");
        Resp wrong = post(server, "/v1/completions", "{\"model\":\"gpt-9\",\"prompt\":\"x\"}", null);
        assertError(wrong, 404, "invalid_request_error", "gpt-9");
        assertEquals("model_not_found", wrong.json().get("error").get("code").asText());
        Resp neg = post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":-1}", null);
        assertError(neg, 400, "invalid_request_error", "max_tokens");
        assertEquals("max_tokens", neg.json().get("error").get("param").asText());
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":99999}", null),
                400, "invalid_request_error", "max_tokens");
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"temperature\":3}", null),
                400, "invalid_request_error", "temperature");
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"stream\":true,\"logprobs\":1}",
                null), 400, "invalid_request_error", "stream=true");
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"x\",\"stream\":\"yes\"}", null),
                400, "invalid_request_error", "stream");
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":[1,99999999]}", null),
                400, "invalid_request_error", "token id");
        assertError(post(server, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":[\"a\",\"b\"]}", null),
                400, "invalid_request_error", "batched");
        assertError(post(server, "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[]}", null),
                400, "invalid_request_error", "messages");
        assertError(post(server, "/v1/chat/completions",
                "{\"model\":\"tiny\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}", null),
                400, "invalid_request_error", "role");
        assertError(post(server, "/v1/engines/x", "{}", null), 404, "invalid_request_error", "unknown URL");
    }

    @Test
    void apiKeyIsRequiredWhenConfiguredAndNeverEchoed() throws Exception {
        String req = "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":2}";
        Resp none = post(keyed, "/v1/completions", req, null);
        assertError(none, 401, "invalid_request_error", "missing API key");
        Resp wrong = post(keyed, "/v1/completions", req, "sk-test-secret-0123456780");
        assertError(wrong, 401, "invalid_request_error", "incorrect API key");
        assertFalse(wrong.body().contains("sk-test-secret"), "no key in the error");
        assertEquals(200, post(keyed, "/v1/completions", req, "sk-test-secret-0123456789").status());
        assertEquals(401, get(keyed, "/v1/models").status());
    }

    @Test
    void injectedFaultsFollowTheSpecOverHttp() throws Exception {
        String req = "{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":2}";
        ServedModel m = new ServedModel("tiny", kn, tok, null, -1, null);
        for (String spec : List.of("429:1,retry-after=7", "500:1", "malformed:1", "empty:1", "timeout:1,stall=0.01")) {
            OpenAiServer.Config c = new OpenAiServer.Config();
            c.faults = FaultSpec.parse(spec);
            try (OpenAiServer s = OpenAiServer.start(m, c)) {
                Resp r = post(s, "/v1/completions", req, null);
                switch (spec.substring(0, spec.indexOf(':'))) {
                    case "429":
                        assertError(r, 429, "rate_limit_exceeded", "Rate limit");
                        assertEquals(List.of("7"), r.headers().get("retry-after"));
                        assertEquals(1, s.faultCount(FaultSpec.Fault.TOO_MANY_REQUESTS));
                        break;
                    case "500":
                        assertError(r, 500, "server_error", "injected");
                        break;
                    case "malformed":
                        assertEquals(200, r.status());
                        assertEquals(null, r.json(), "not parseable: " + r.body());
                        break;
                    case "empty":
                        assertEquals(200, r.status());
                        assertEquals("", r.json().get("choices").get(0).get("text").asText());
                        assertEquals("stop", r.json().get("choices").get(0).get("finish_reason").asText());
                        break;
                    default:
                        assertEquals(200, r.status(), "a stalled request is answered after the stall");
                        assertEquals(1, s.faultCount(FaultSpec.Fault.STALL));
                        break;
                }
                assertEquals(1, s.requestCount());
            }
        }
    }

    @Test
    void faultSpecParsesAndIsDeterministic() {
        FaultSpec f = FaultSpec.parse("429:0.1,500:0.05,timeout:0.02,seed=7");
        assertEquals(0.1, f.p429());
        assertEquals(0.05, f.p500());
        assertEquals(0.02, f.pTimeout());
        assertEquals(7, f.seed());
        assertEquals(1, f.retryAfterSec());
        FaultSpec g = FaultSpec.parse("429:0.1, 500:0.05, timeout:0.02, seed=7");
        int[] counts = new int[FaultSpec.Fault.values().length];
        for (long k = 0; k < 20_000; k++) {
            assertEquals(f.decide(k), g.decide(k), "same seed, same fault for request " + k);
            counts[f.decide(k).ordinal()]++;
        }
        // Binomial(20000, 0.1): sd 42; 6 sd bands fail with probability < 1e-8 each
        assertTrue(Math.abs(counts[FaultSpec.Fault.TOO_MANY_REQUESTS.ordinal()] - 2000) < 255, "429 count " + counts[1]);
        assertTrue(Math.abs(counts[FaultSpec.Fault.SERVER_ERROR.ordinal()] - 1000) < 185, "500 count " + counts[2]);
        assertTrue(Math.abs(counts[FaultSpec.Fault.STALL.ordinal()] - 400) < 120, "stall count " + counts[3]);
        assertEquals(0, counts[FaultSpec.Fault.MALFORMED.ordinal()]);
        FaultSpec other = FaultSpec.parse("429:0.1,500:0.05,timeout:0.02,seed=8");
        int differ = 0;
        for (long k = 0; k < 1000; k++) {
            differ += other.decide(k) != f.decide(k) ? 1 : 0;
        }
        assertTrue(differ > 0, "another seed, another sequence");
        for (String bad : List.of("", "429", "429:2", "418:0.1", "seed=x", "429:0.6,500:0.6", "colour=red", "stall=-1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void uniformIsInTheUnitInterval() {
        Iterator<Long> it = List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE).iterator();
        while (it.hasNext()) {
            long s = it.next();
            for (long k = 0; k < 100; k++) {
                double u = FaultSpec.uniform(s, k);
                assertTrue(u >= 0 && u < 1);
            }
        }
    }
}
