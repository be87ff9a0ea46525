package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.Tokenizers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /api/detect on a real server: same numbers as the core detector, clear 4xx, per-token rate limit. */
class DetectIntegrationTest {
    @TempDir
    Path tmp;

    private static Harness start(Path dataDir, int detectPerMinute) throws Exception {
        Harness h = new Harness(dataDir);
        VerifierConfig c = Harness.config(dataDir, 0);
        c.detectPerMinute = detectPerMinute;
        h.server = VerifierServer.start(c);
        h.admin = Files.readString(h.server.bootstrapTokenFile()).trim();
        return h;
    }

    private static int[] tokensOf(String jsonlLine) throws Exception {
        JsonNode t = Harness.JSON.readTree(jsonlLine).get("tokens");
        int[] out = new int[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.get(i).intValue();
        }
        return out;
    }

    private static String body(String profileId, int[] tokens, int[] prompt) {
        String b = "{\"profileId\":\"" + profileId + "\",\"tokens\":" + Arrays.toString(tokens).replace(" ", "");
        if (prompt != null) {
            b += ",\"prompt_tokens\":" + Arrays.toString(prompt).replace(" ", "");
        }
        return b + "}";
    }

    private static void assertSame(Evidence e, JsonNode r) {
        assertEquals(e.scheme(), r.get("scheme").asText());
        assertEquals(e.keyId(), r.get("key_id").asText());
        assertEquals(e.numTokens(), r.get("num_tokens").asInt());
        assertEquals(e.numScored(), r.get("num_scored").asInt());
        assertEquals(e.statisticName(), r.get("statistic_name").asText());
        assertEquals(e.statistic(), r.get("statistic").asDouble());
        assertEquals(e.pValue(), r.get("p_value").asDouble());
        assertEquals(e.log10PValue(), r.get("log10_p_value").asDouble());
        assertEquals(e.exact(), r.get("exact").asBoolean());
        assertEquals(e.dedup(), r.get("dedup").asText());
    }

    @Test
    void scoresExactlyAsTheCoreDetector() throws Exception {
        try (Harness h = start(tmp.resolve("data"), 600)) {
            String researcher = h.token("researcher");
            String profileId = h.createProfile();
            Detector core = new Detector(Schemes.create(h.profile(), h.keyset().key(h.profile().keyId())));
            String keyHex = HexFormat.of().formatHex(h.keyset().primary().material());

            // watermarked (fixed generator seed): tiny p-value, identical to the core's numbers
            int[] marked = tokensOf(h.watermarkedJsonl(1, 200).trim());
            Harness.Resp r = h.call("POST", "/api/detect", researcher, body(profileId, marked, null));
            JsonNode j = h.ok(200, r);
            assertSame(core.detect(marked, null, false), j);
            assertEquals(profileId, j.get("profile_id").asText());
            assertTrue(j.get("log10_p_value").asDouble() < -10, r.text());
            assertFalse(r.text().contains(keyHex), "key material in the response");

            // with a prompt: prompt tokens are context only, as in the core
            int[] prompt = {1, 2, 3, 4, 5};
            assertSame(core.detect(marked, prompt, false),
                    h.ok(200, h.call("POST", "/api/detect", h.admin, body(profileId, marked, prompt))));

            // unwatermarked uniform ids (fixed seed): the p-value is valid (super-uniform) under the null, so
            // P(p <= 1e-6) <= 1e-6 is the false-failure probability of the bound below
            Random rnd = new Random(42);
            int[] plain = new int[200];
            for (int i = 0; i < plain.length; i++) {
                plain[i] = rnd.nextInt(Harness.VOCAB);
            }
            JsonNode pj = h.ok(200, h.call("POST", "/api/detect", researcher, body(profileId, plain, null)));
            assertSame(core.detect(plain, null, false), pj);
            assertTrue(pj.get("p_value").asDouble() > 1e-6, pj.toString());
        }
    }

    @Test
    void textIsTokenizedWithTheProfilesTokenizer() throws Exception {
        try (Harness h = start(tmp.resolve("data"), 600)) {
            Profile p = Profile.defaults("red-green", h.keyset().primaryId(), "cl100k_base", 100_277);
            String profileId = h.ok(201, h.call("POST", "/api/profiles", h.admin,
                    "{\"name\":\"rg-text\",\"profile\":" + ProfileJson.write(p) + "}")).get("id").asText();
            String text = "The defendant's model answered every probe question with the same unusual phrasing.";
            JsonNode r = h.ok(200, h.call("POST", "/api/detect", h.admin,
                    "{\"profileId\":\"" + profileId + "\",\"text\":" + Harness.JSON.writeValueAsString(text) + "}"));
            int[] toks = Tokenizers.byId("cl100k_base").encode(text);
            assertSame(new Detector(Schemes.create(p, h.keyset().key(p.keyId()))).detect(toks, null, false), r);
        }
    }

    @Test
    void badInputIsA4xxNamingTheProblem() throws Exception {
        try (Harness h = start(tmp.resolve("data"), 600)) {
            String p = h.createProfile();
            String pre = "{\"profileId\":\"" + p + "\",";
            record Case(String body, int status, String fragment) {
            }
            StringBuilder deep = new StringBuilder(pre + "\"tokens\":");
            deep.append("[".repeat(40)).append("1").append("]".repeat(40)).append('}');
            StringBuilder big = new StringBuilder(pre + "\"tokens\":[1");
            while (big.length() < 300 * 1024) {
                big.append(",1");
            }
            big.append("]}");
            List<Case> cases = List.of(
                    new Case("{}", 400, "missing field \"profileId\""),
                    new Case("{\"profileId\":\"" + p + "\"}", 400, "exactly one of"),
                    new Case(pre + "\"tokens\":[1],\"text\":\"x\"}", 400, "exactly one of"),
                    new Case(pre + "\"tokens\":\"1,2\"}", 400, "must be an array"),
                    new Case(pre + "\"tokens\":[1,-2]}", 400, "tokens[1]"),
                    new Case(pre + "\"tokens\":[1,2.5]}", 400, "tokens[1]"),
                    new Case(pre + "\"tokens\":[1,99999999999]}", 400, "tokens[1]"),
                    new Case(pre + "\"tokens\":[1],\"prompt_tokens\":[\"a\"]}", 400, "prompt_tokens[0]"),
                    new Case(pre + "\"tokens\":[]}", 400, "\"tokens\" is empty"),
                    new Case(pre + "\"tokens\":[1],\"key\":\"x\"}", 400, "unknown field \"key\""),
                    new Case(pre + "\"text\":\"x\",\"prompt_tokens\":[1]}", 400, "prompt_tokens"),
                    new Case(pre + "\"tokens\":[1,", 400, "malformed JSON"),
                    new Case("[1,2]", 400, "must be a JSON object"),
                    new Case(deep.toString(), 400, "nested too deeply"),
                    new Case(big.toString(), 413, "exceeds the limit"),
                    new Case(pre + "\"tokens\":[1,1000]}", 422, "outside the profile's vocabulary"),
                    new Case(pre + "\"text\":\"hello\"}", 422, "needs a profile with a tokenizer"),
                    new Case("{\"profileId\":\"no-such-profile\",\"tokens\":[1]}", 404, "unknown profile no-such-profile"));
            for (Case c : cases) {
                Harness.Resp r = h.call("POST", "/api/detect", h.admin, c.body());
                assertEquals(c.status(), r.status(), c.body().length() > 200 ? c.body().substring(0, 200) : c.body());
                String msg = r.json().get("error").asText();
                assertTrue(msg.contains(c.fragment()), "expected \"" + c.fragment() + "\" in: " + msg);
            }
            byte[] badUtf8 = (pre + "\"text\":\"\u00e9\"}").getBytes(StandardCharsets.ISO_8859_1); // lone 0xE9: invalid UTF-8
            Harness.Resp r = h.call("POST", "/api/detect", h.admin, badUtf8);
            assertEquals(400, r.status(), r.text());
            assertTrue(r.json().get("error").asText().contains("UTF-8"), r.text());
        }
    }

    @Test
    void rateLimitedPerTokenWithRetryAfterAndOneAuditEntryPerRunOfDenials() throws Exception {
        // 1 per minute: the second call within the same minute is denied. The test's calls take far less
        // than the 60 s a refill needs (a refill within the test would need a 60 s stall between calls).
        try (Harness h = start(tmp.resolve("data"), 1)) {
            String researcher = h.token("researcher");
            String profileId = h.createProfile();
            String b = body(profileId, new int[] {5, 6, 7, 8}, null);
            assertEquals(200, h.call("POST", "/api/detect", researcher, b).status());
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.server.port() + "/api/detect"))
                        .header("Authorization", "Bearer " + researcher)
                        .POST(HttpRequest.BodyPublishers.ofString(b)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(429, r.statusCode(), r.body());
                long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
                assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
                assertTrue(Harness.JSON.readTree(r.body()).get("error").asText().contains("1 detection calls per minute"), r.body());
            }
            // another token has its own bucket
            assertEquals(200, h.call("POST", "/api/detect", h.admin, b).status());
            JsonNode audit = h.ok(200, h.call("GET", "/api/audit", h.admin, (byte[]) null));
            long denials = 0;
            for (JsonNode e : audit.get("entries")) {
                if (e.get("action").asText().equals("ratelimit.deny")) {
                    denials++;
                    assertEquals("detect", e.get("target").asText());
                    assertTrue(e.get("actor").asText().contains("researcher"), e.toString());
                }
            }
            assertEquals(1, denials, "two denials in a row: audited once");
            assertTrue(audit.get("chainValid").asBoolean());
            String metrics = h.call("GET", "/metrics", h.admin, (byte[]) null).text();
            assertTrue(metrics.contains("provmark_rate_limit_denials_total{limiter=\"detect\"} 2.0"), metrics);
            assertTrue(metrics.contains("provmark_detect_calls_total{outcome=\"rate_limited\"} 2.0"), metrics);
            assertTrue(metrics.contains("provmark_detect_calls_total{outcome=\"scored\"} 2.0"), metrics);
        }
    }
}
