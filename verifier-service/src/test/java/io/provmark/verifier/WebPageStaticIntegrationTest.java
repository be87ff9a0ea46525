package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web page's files as served (headers, content) and as shipped; runs without a browser. */
class WebPageStaticIntegrationTest {
    private static final List<String> FILES = List.of("index.html", "app.js", "app.css", "favicon.svg");
    /** Anything that would load from another origin. */
    private static final Pattern EXTERNAL = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}");
    /** CSS loading other files (fonts, images, imports): this page needs none. */
    private static final Pattern CSS_LOADS = Pattern.compile("@import|\\burl\\(");

    @TempDir
    Path tmp;

    private static HttpResponse<String> get(Harness h, String path) throws Exception {
        return h.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.server.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageIsServedAtRootWithAStrictCspAndTheApiIsUnchanged() throws Exception {
        try (Harness h = new Harness(tmp.resolve("data")).start(0)) {
            HttpResponse<String> root = get(h, "/");
            assertEquals(200, root.statusCode());
            assertTrue(root.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), root.headers().toString());
            assertTrue(root.body().contains("<script src=\"app.js\""), root.body());
            for (String f : List.of("/", "/index.html", "/app.js", "/app.css", "/favicon.svg")) {
                HttpResponse<String> r = get(h, f);
                assertEquals(200, r.statusCode(), f);
                String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
                assertTrue(csp.startsWith("default-src 'self'"), f + ": " + csp);
                assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval") || csp.contains("*"), csp);
                assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), f);
            }
            assertTrue(get(h, "/app.js").headers().firstValue("Content-Type").orElse("").contains("javascript"));
            assertTrue(get(h, "/favicon.svg").headers().firstValue("Content-Type").orElse("").startsWith("image/svg+xml"));
            assertEquals(404, get(h, "/no-such-file.js").statusCode());
            // the static handler must not shadow the API
            HttpResponse<String> me = get(h, "/api/me");
            assertEquals(401, me.statusCode());
            assertTrue(me.body().contains("\"error\""), me.body());
            assertEquals(200, get(h, "/api/health").statusCode());
        }
    }

    @Test
    void shippedFilesLoadNothingExternalAndNeverParseDataAsHtml() throws Exception {
        for (String f : FILES) {
            String text;
            try (InputStream in = VerifierServer.class.getResourceAsStream("/web/" + f)) {
                assertTrue(in != null, "missing resource /web/" + f);
                // an SVG's namespace is a name, not something loaded
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            }
            assertFalse(EXTERNAL.matcher(text).find(), f + " refers to something outside the origin: "
                    + (EXTERNAL.matcher(text).find() ? EXTERNAL.matcher(text).results().findFirst().get().group() : ""));
            if (!f.endsWith(".js")) {
                assertFalse(CSS_LOADS.matcher(text).find(), f + " loads another file from CSS");
            }
            // inline scripts, styles and handlers would be blocked by the CSP anyway; keep them out
            assertFalse(text.contains("style=\"") || Pattern.compile("(?i)\\son[a-z]+=\"").matcher(text).find(), f);
            if (f.endsWith(".js")) {
                for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function")) {
                    assertFalse(text.contains(sink), f + " uses " + sink);
                }
                assertFalse(text.contains("localStorage"), "the token belongs in sessionStorage only");
            }
            if (f.equals("index.html")) {
                assertFalse(Pattern.compile("<script(?![^>]*\\ssrc=)").matcher(text).find(), "inline <script> in index.html");
            }
        }
    }
}
