package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import io.provmark.verifier.VerifierConfig;
import io.provmark.verifier.VerifierServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code provmark audit verify} on an export downloaded from a real service over HTTP. */
class AuditVerifyCommandIntegrationTest {
    @TempDir
    Path tmp;

    private static String hashOf(String line) {
        Matcher m = Pattern.compile("\"hash\":\"([0-9a-f]{64})\"").matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    @Test
    void exportVerifiesAndOneTamperedLineFailsWithExit3() throws Exception {
        Path keysetFile = tmp.resolve("keys.pmk");
        KeysetFile.write(keysetFile, Keyset.generate(), Cli.PASS.toCharArray());
        VerifierConfig c = new VerifierConfig(tmp.resolve("data"));
        c.port = 0;
        c.keyset = keysetFile;
        c.passphrase = Cli.PASS.toCharArray();
        c.workers = 0;
        String export;
        try (VerifierServer s = VerifierServer.start(c)) {
            String token = s.bootstrapAdminToken().orElseThrow();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + s.port();
            for (String body : List.of("{\"title\":\"ACME v. Distiller\"}", "{\"title\":\"Second case\"}")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/cases"))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, r.statusCode(), r.body());
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/audit/export"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            export = r.body();
        }
        String[] lines = export.split("\n");
        assertEquals(4, lines.length, export); // bootstrap token, two cases, the export
        Path file = tmp.resolve("audit.jsonl");
        Files.writeString(file, export);

        Cli.Result ok = Cli.run("audit", "verify", file.toString());
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("audit chain of 4 entries: ok"), ok::toString);
        assertTrue(ok.out().contains("head " + hashOf(lines[3])), ok::toString);

        Cli.Result anchored = Cli.run("audit", "verify", file.toString(), "--head", "sha256:" + hashOf(lines[1]));
        assertEquals(0, anchored.code(), anchored::toString);
        assertTrue(anchored.out().contains("anchor found at entry 2; 2 later entries are not covered"), anchored::toString);
        Cli.Result atHead = Cli.run("audit", "verify", file.toString(), "--head", hashOf(lines[3]));
        assertTrue(atHead.out().contains("anchor found at entry 4 (the head)"), atHead::toString);

        // the export without its last two entries no longer contains an anchor taken at the head
        Path cut = tmp.resolve("cut.jsonl");
        Files.writeString(cut, lines[0] + "\n" + lines[1] + "\n");
        Cli.Result truncated = Cli.run("audit", "verify", cut.toString(), "--head", hashOf(lines[3]));
        assertEquals(ExitCodes.BAD_INPUT, truncated.code(), truncated::toString);
        assertTrue(truncated.err().contains("is not the hash of any entry"), truncated::toString);
        assertEquals(0, Cli.run("audit", "verify", cut.toString()).code(), "a truncated chain alone still links");

        // one tampered line
        List<String> t = new ArrayList<>(Arrays.asList(lines));
        t.set(1, t.get(1).replace("ACME v. Distiller", "ACME v. Someone Else"));
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, String.join("\n", t) + "\n");
        Cli.Result tampered = Cli.run("audit", "verify", bad.toString());
        assertEquals(ExitCodes.BAD_INPUT, tampered.code(), tampered::toString);
        assertTrue(tampered.err().contains("audit chain verification FAILED"), tampered::toString);
        assertTrue(tampered.err().contains("line 2: entry 2 was altered (hash mismatch)"), tampered::toString);

        // invalid UTF-8, a bad anchor, a missing file
        Path binary = tmp.resolve("bin.jsonl");
        byte[] b = export.getBytes(StandardCharsets.UTF_8);
        b[10] = (byte) 0xff;
        Files.write(binary, b);
        assertEquals(ExitCodes.BAD_INPUT, Cli.run("audit", "verify", binary.toString()).code());
        assertEquals(ExitCodes.USAGE, Cli.run("audit", "verify", file.toString(), "--head", "xyz").code());
        assertEquals(ExitCodes.BAD_INPUT, Cli.run("audit", "verify", tmp.resolve("nope.jsonl").toString()).code());
        assertEquals(ExitCodes.USAGE, Cli.run("audit").code());
    }
}
