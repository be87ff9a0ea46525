package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/openapi.json: OpenAPI 3.1, exactly the routed endpoints, no dangling references. */
class OpenApiIntegrationTest {
    @TempDir
    Path tmp;

    @Test
    void everyEndpointHasAHandWrittenEntryAndNoEntryIsStale() {
        List<String> drift = OpenApi.drift();
        assertTrue(drift.isEmpty(), String.join("\n", drift));
    }

    @Test
    void servedWithoutTokenAndMatchesTheRoutingTableExactly() throws Exception {
        try (Harness h = new Harness(tmp.resolve("data")).start(0)) {
            Harness.Resp r = h.call("GET", "/api/openapi.json", null, (byte[]) null);
            assertEquals(200, r.status(), r.text());
            JsonNode doc = r.json();
            assertTrue(doc.get("openapi").asText().matches("3\\.1\\.\\d+"), doc.get("openapi").asText());
            assertNotNull(doc.at("/info/title").textValue());
            assertNotNull(doc.at("/info/version").textValue());
            assertEquals("http", doc.at("/components/securitySchemes/bearer/type").asText());
            assertEquals("bearer", doc.at("/components/securitySchemes/bearer/scheme").asText());
            assertTrue(doc.at("/security/0").has("bearer"), "bearer is required by default");

            // paths × methods in the document == ENDPOINTS + public endpoints, nothing more or less
            Set<String> expected = new TreeSet<>();
            for (Endpoint e : VerifierServer.ENDPOINTS) {
                expected.add(e.method() + " " + OpenApi.openApiPath(e.path()));
            }
            for (String p : OpenApi.PUBLIC) {
                expected.add(p);
            }
            Set<String> actual = new TreeSet<>();
            Set<String> operationIds = new HashSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                for (Iterator<String> ms = p.getValue().fieldNames(); ms.hasNext(); ) {
                    String m = ms.next();
                    actual.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                    JsonNode op = p.getValue().get(m);
                    assertTrue(operationIds.add(op.get("operationId").asText()), "duplicate operationId " + op.get("operationId"));
                    assertTrue(op.get("summary").asText().length() > 5);
                    assertTrue(!op.get("summary").asText().contains("not described yet"), p.getKey());
                    checkPathParameters(p.getKey(), op);
                }
            }
            assertEquals(expected, actual);

            // per endpoint: success status, roles, security, auth errors
            for (Endpoint e : VerifierServer.ENDPOINTS) {
                JsonNode op = doc.get("paths").get(OpenApi.openApiPath(e.path())).get(e.method().toLowerCase(Locale.ROOT));
                String where = e.method() + " " + e.path();
                assertTrue(op.get("responses").has(Integer.toString(e.successStatus())), where);
                assertTrue(op.get("responses").has("401") && op.get("responses").has("403"), where);
                assertTrue(!op.has("security"), where + " must inherit the bearer requirement");
                Set<String> roles = new TreeSet<>();
                op.get("x-roles").forEach(x -> roles.add(x.asText()));
                Set<String> want = new TreeSet<>();
                e.roles().forEach(x -> want.add(x.id()));
                assertEquals(want, roles, where);
                if (e.method().equals("POST") && !e.path().endsWith("/cancel")) {
                    assertTrue(op.has("requestBody"), where + " has no request body schema");
                }
            }
            for (String p : OpenApi.PUBLIC) {
                String[] mp = p.split(" ");
                JsonNode op = doc.get("paths").get(mp[1]).get(mp[0].toLowerCase(Locale.ROOT));
                assertTrue(op.get("security").isArray() && op.get("security").isEmpty(), p + " must not need a token");
            }
            JsonNode detect = doc.get("paths").get("/api/detect").get("post");
            assertEquals("#/components/schemas/DetectRequest",
                    detect.at("/requestBody/content/application~1json/schema/$ref").asText());
            assertTrue(detect.get("responses").has("429"));

            // every $ref points at something in the document
            List<String> refs = new ArrayList<>();
            collectRefs(doc, refs);
            assertTrue(refs.size() > 20, "refs: " + refs.size());
            for (String ref : refs) {
                assertTrue(ref.startsWith("#/"), ref);
                assertTrue(!doc.at(ref.substring(1)).isMissingNode(), "dangling $ref " + ref);
            }
        }
    }

    private static void checkPathParameters(String path, JsonNode op) {
        Set<String> inPath = new TreeSet<>();
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(path);
        while (m.find()) {
            inPath.add(m.group(1));
        }
        Set<String> declared = new TreeSet<>();
        if (op.has("parameters")) {
            for (JsonNode p : op.get("parameters")) {
                if (p.get("in").asText().equals("path")) {
                    assertTrue(p.get("required").asBoolean(), path);
                    declared.add(p.get("name").asText());
                }
            }
        }
        assertEquals(inPath, declared, "path parameters of " + path);
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            if (n.has("$ref")) {
                out.add(n.get("$ref").asText());
            }
            n.forEach(c -> collectRefs(c, out));
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, out));
        }
    }
}
