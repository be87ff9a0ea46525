package io.provmark.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 description, generated from {@link VerifierServer#ENDPOINTS} (method, path, roles,
 * success status) plus the hand-written {@code openapi-operations.json} (summaries, bodies, schemas).
 * Generating it from the routing table means a route cannot exist without being described; the
 * test checks the other direction (every endpoint has a hand-written entry).
 */
final class OpenApi {
    static final String RESOURCE = "openapi-operations.json";
    /** Endpoints that need no token; everything in ENDPOINTS needs one. */
    static final List<String> PUBLIC = List.of("GET /api/health", "GET /api/openapi.json");
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)}|<([A-Za-z0-9_]+)>");
    private static final Map<Integer, String> ERRORS = Map.of(
            400, "Bad request: malformed or invalid input (the message names the problem)",
            401, "Missing, malformed or unknown bearer token",
            403, "The token's role may not call this endpoint",
            404, "Unknown case, evidence, profile, job or file",
            409, "Conflict with the job's state (not finished, or already finished)",
            413, "Request body over the size limit",
            422, "Well-formed but unusable (e.g. key not in the keyset, text for a profile without tokenizer)",
            429, "Per-token rate limit; see Retry-After");

    private OpenApi() {
    }

    /** Javalin path → OpenAPI path: {@code <file>} (may hold '/') becomes {@code {file}}. */
    static String openApiPath(String javalinPath) {
        return javalinPath.replaceAll("<([A-Za-z0-9_]+)>", "{$1}");
    }

    /** The hand-written operation entries, keyed "METHOD path" as in ENDPOINTS. */
    static ObjectNode handWritten() {
        try (InputStream in = OpenApi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the build");
            }
            return (ObjectNode) VerifierServer.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** "METHOD path" of every endpoint the document must describe: ENDPOINTS then PUBLIC. */
    static Set<String> endpointKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (Endpoint e : VerifierServer.ENDPOINTS) {
            keys.add(e.method() + " " + e.path());
        }
        keys.addAll(PUBLIC);
        return keys;
    }

    /** Endpoints without a hand-written entry, and entries without an endpoint; both empty when in sync. */
    static List<String> drift() {
        ObjectNode ops = (ObjectNode) handWritten().get("operations");
        Set<String> keys = endpointKeys();
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!ops.has(k)) {
                out.add("no entry in " + RESOURCE + " for endpoint " + k);
            }
        }
        ops.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                out.add(RESOURCE + " describes " + k + ", which is not an endpoint");
            }
        });
        return out;
    }

    static ObjectNode document(String version) {
        ObjectNode hand = handWritten();
        ObjectNode ops = (ObjectNode) hand.get("operations");
        ObjectNode doc = VerifierServer.JSON.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "provmark verifier service");
        info.put("version", version);
        info.put("description", "Cases, evidence, detection jobs and signed reports for proving model distillation "
                + "through keyed watermarks. Every endpoint except the public ones needs `Authorization: Bearer <token>`; "
                + "errors are JSON `{\"error\": \"...\"}`. See docs/verifier.md.");
        doc.putArray("servers").addObject().put("url", "http://127.0.0.1:8470").put("description", "default local bind");
        Map<String, ObjectNode> paths = new TreeMap<>();
        for (Endpoint e : VerifierServer.ENDPOINTS) {
            addOperation(paths, ops, e.method(), e.path(), e.successStatus(), roleIds(e.roles()));
        }
        for (String p : PUBLIC) {
            String[] mp = p.split(" ", 2);
            addOperation(paths, ops, mp[0], mp[1], 200, null);
        }
        ObjectNode pathsNode = doc.putObject("paths");
        paths.forEach(pathsNode::set);
        ObjectNode comps = doc.putObject("components");
        comps.set("schemas", hand.get("components").get("schemas").deepCopy());
        ObjectNode responses = comps.putObject("responses");
        new TreeMap<>(ERRORS).forEach((code, desc) -> {
            ObjectNode r = responses.putObject("E" + code);
            r.put("description", desc);
            r.putObject("content").putObject("application/json").putObject("schema").put("$ref", "#/components/schemas/Error");
            if (code == 429) {
                r.putObject("headers").putObject("Retry-After").put("description", "Seconds until a permit is free")
                        .putObject("schema").put("type", "integer");
            }
        });
        ObjectNode bearer = comps.putObject("securitySchemes").putObject("bearer");
        bearer.put("type", "http");
        bearer.put("scheme", "bearer");
        bearer.put("description", "API token `pmv_...` created with POST /api/tokens (the first admin token is in "
                + "<data-dir>/bootstrap-admin-token). GET /metrics also takes the metrics token (--metrics-token-file).");
        doc.putArray("security").addObject().putArray("bearer");
        return doc;
    }

    private static List<String> roleIds(Set<Role> roles) {
        List<String> out = new ArrayList<>();
        for (Role r : Role.values()) {
            if (roles.contains(r)) {
                out.add(r.id());
            }
        }
        return out;
    }

    /** @param roles null for a public endpoint (no security) */
    private static void addOperation(Map<String, ObjectNode> paths, ObjectNode ops, String method, String path,
                                     int success, List<String> roles) {
        String key = method + " " + path;
        JsonNode hand = ops.get(key);
        ObjectNode op = VerifierServer.JSON.createObjectNode();
        if (hand == null) {
            // never fails at runtime; OpenApiIntegrationTest fails the build instead
            op.put("operationId", method.toLowerCase(Locale.ROOT) + path.replaceAll("[^A-Za-z0-9]+", "_"));
            op.put("summary", key + " (not described yet)");
        } else {
            op.put("operationId", hand.get("operationId").asText());
            op.set("tags", hand.get("tags").deepCopy());
            op.put("summary", hand.get("summary").asText());
        }
        StringBuilder desc = new StringBuilder();
        if (hand != null && hand.has("description")) {
            desc.append(hand.get("description").asText()).append("\n\n");
        }
        desc.append(roles == null ? "No token needed." : "Roles: " + String.join(", ", roles) + ".");
        op.put("description", desc.toString());
        if (roles != null) {
            ArrayNode xr = op.putArray("x-roles");
            roles.forEach(xr::add);
        } else {
            op.putArray("security"); // empty: overrides the document-wide bearer requirement
        }
        ArrayNode params = VerifierServer.JSON.createArrayNode();
        Matcher m = PARAM.matcher(path);
        while (m.find()) {
            boolean slashes = m.group(2) != null;
            String name = slashes ? m.group(2) : m.group(1);
            ObjectNode p = params.addObject();
            p.put("name", name);
            p.put("in", "path");
            p.put("required", true);
            if (slashes) {
                p.put("description", "may contain '/' (sent unescaped)");
                p.put("allowReserved", true);
            }
            p.putObject("schema").put("type", "string");
        }
        if (hand != null && hand.has("query")) {
            for (JsonNode q : hand.get("query")) {
                ObjectNode p = params.addObject();
                p.put("name", q.get("name").asText());
                p.put("in", "query");
                p.put("required", q.get("required").asBoolean());
                if (q.has("description")) {
                    p.put("description", q.get("description").asText());
                }
                p.set("schema", q.get("schema").deepCopy());
            }
        }
        if (!params.isEmpty()) {
            op.set("parameters", params);
        }
        if (hand != null && hand.has("requestBody")) {
            op.set("requestBody", hand.get("requestBody").deepCopy());
        }
        ObjectNode responses = op.putObject("responses");
        if (hand != null) {
            responses.set(Integer.toString(success), hand.get("success").deepCopy());
        } else {
            responses.putObject(Integer.toString(success)).put("description", "success");
        }
        Set<Integer> errors = new java.util.TreeSet<>();
        if (roles != null) {
            errors.add(401);
            errors.add(403);
        }
        if (hand != null) {
            hand.get("errors").forEach(c -> errors.add(c.asInt()));
        }
        for (int code : errors) {
            if (!ERRORS.containsKey(code)) {
                throw new IllegalStateException(key + " lists error " + code + ", which has no description");
            }
            responses.putObject(Integer.toString(code)).put("$ref", "#/components/responses/E" + code);
        }
        paths.computeIfAbsent(openApiPath(path), k -> VerifierServer.JSON.createObjectNode())
                .set(method.toLowerCase(Locale.ROOT), op);
    }
}
