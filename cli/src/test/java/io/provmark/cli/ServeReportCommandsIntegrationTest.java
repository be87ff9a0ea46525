package io.provmark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.KeysetFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code provmark report verify} on a report made by a real service run; {@code serve} argument checks. */
class ServeReportCommandsIntegrationTest {
    @TempDir
    Path tmp;

    @Test
    void reportVerifyAcceptsAServiceReportAndRejectsAFlippedByte() throws Exception {
        Path keysetFile = tmp.resolve("keys.pmk");
        Keyset ks = Keyset.generate();
        KeysetFile.write(keysetFile, ks, Cli.PASS.toCharArray());
        Path reportDir = ServiceReports.detectReport(tmp.resolve("data"), keysetFile, ks, null);
        Cli.Result ok = Cli.run("report", "verify", reportDir.toString());
        assertEquals(0, ok.code(), ok::toString);
        assertTrue(ok.out().contains("report verified"), ok::toString);
        assertTrue(ok.out().contains("CMS (ECDSA P-256) detached signature over report.json: ok"), ok::toString);

        Path report = reportDir.resolve("report.json");
        Files.setPosixFilePermissions(report, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        byte[] b = Files.readAllBytes(report);
        b[b.length / 2] ^= 0x01;
        Files.write(report, b);
        Cli.Result bad = Cli.run("report", "verify", reportDir.toString());
        assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad::toString);
        assertTrue(bad.err().contains("report verification FAILED"), bad::toString);
    }

    @Test
    void serveRejectsABadPortAndReportVerifyAMissingDir() {
        Cli.Result r = Cli.run("serve", "--port", "70000", "--data-dir", tmp.resolve("d").toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        Cli.Result v = Cli.run("report", "verify", tmp.resolve("nope").toString());
        assertEquals(ExitCodes.BAD_INPUT, v.code(), v::toString);
        assertTrue(v.err().contains("not a directory"), v::toString);
    }
}
