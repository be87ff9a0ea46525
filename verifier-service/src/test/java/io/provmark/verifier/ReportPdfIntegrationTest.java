package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.pdf read back with PDFBox, and the report.json sections it is drawn from (curve, histogram, commit, audit anchor). */
class ReportPdfIntegrationTest {
    @TempDir
    Path tmp;

    @Test
    void watermarkedEvidenceGivesAPositiveVerdictWithNumbersPlotsAndVerifyInstructions() throws Exception {
        try (Harness h = TimestampIntegrationTest.start(tmp.resolve("data"), c -> { })) {
            JsonNode done = TimestampIntegrationTest.runJob(h, h.watermarkedJsonl(3, 200));
            assertEquals("done", done.get("state").asText(), done.toString());
            Path dir = h.download(done.get("id").asText(), Files.createDirectories(tmp.resolve("report")));
            assertTrue(ReportVerifier.verify(dir).ok());
            assertTrue(Files.readString(dir.resolve(ReportFiles.SUMS)).contains("  " + ReportFiles.PDF + "\n"), "the PDF is signed via SHA256SUMS");
            JsonNode report = Harness.JSON.readTree(dir.resolve(ReportFiles.REPORT).toFile());
            JsonNode sum = report.get("summary");
            assertTrue(sum.get("significant").asBoolean());

            byte[] pdfBytes = Files.readAllBytes(dir.resolve(ReportFiles.PDF));
            String text = pdfText(pdfBytes);
            String keyId = report.get("key").get("id").asText();
            String p = ReportPdf.formatP(sum.get("holmPValue").isNumber() ? sum.get("holmPValue").asDouble() : null,
                    sum.get("holmLog10PValue").asDouble());
            String flat = text.replaceAll("\\s+", " ");
            assertTrue(flat.contains("The evidence carries the provmark watermark of key " + keyId + " (p = " + p
                    + ", Holm-corrected over 3 records"), flat);
            // the verdict comes before the method
            assertTrue(flat.indexOf("The evidence carries") < flat.indexOf("Method"), flat);
            assertTrue(flat.contains("Cumulative p-value") && flat.contains("Per-token scores against the null")
                    && flat.contains("Sample of scored tokens"), flat);
            assertTrue(flat.contains("openssl cms -verify -binary -inform DER -in report.json.p7s -content report.json"), flat);
            assertTrue(flat.contains("provmark report verify ."), flat);
            assertTrue(flat.contains("not evidence of innocence"), flat);
            assertTrue(flat.contains(report.get("key").get("fingerprint").asText()), "the fingerprint is printed");
            assertFalse(flat.contains("openssl ts -verify"), "no timestamp instructions without a TSA");
            // the instructions work: run every openssl / sha256sum line of the PDF in the report directory
            int ran = 0;
            for (String line : text.split("\\R")) {
                String cmd = line.trim();
                if (cmd.startsWith("openssl ") || cmd.startsWith("sha256sum ")) {
                    Process pr = new ProcessBuilder("sh", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true).start();
                    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
                    assertEquals(0, pr.exitValue(), cmd + "\n" + out);
                    ran++;
                }
            }
            assertEquals(4, ran, "cms, two pkeyutl and sha256sum lines:\n" + text);

            String keyHex = HexFormat.of().formatHex(h.keyset().primary().material());
            assertFalse(flat.toLowerCase(java.util.Locale.ROOT).contains(keyHex), "key material in the PDF text");
            assertFalse(new String(pdfBytes, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT).contains(keyHex),
                    "key material in the PDF bytes");
            assertEveryFontEmbedded(pdfBytes);

            // curve: the same statistic as the detector; its last point is the pooled p-value
            JsonNode curve = report.get("curve");
            JsonNode ks = curve.get("scoredTokens");
            assertTrue(ks.size() >= 2 && ks.size() <= ReportStats.MAX_CURVE_POINTS, curve.toString());
            assertEquals(curve.get("pooledScored").asInt(), ks.get(ks.size() - 1).asInt());
            assertEquals(curve.get("pooledLog10PValue").asDouble(), curve.get("log10PValue").get(ks.size() - 1).asDouble(), 0.0);
            // 3 x 200 watermarked tokens (gamma 0.25, delta 2): pooled far below the per-record values
            assertTrue(curve.get("pooledLog10PValue").asDouble() < sum.get("holmLog10PValue").asDouble());
            JsonNode hist = report.get("histogram");
            long obs = 0;
            double exp = 0;
            for (JsonNode b : hist.get("bins")) {
                obs += b.get("observed").asLong();
                exp += b.get("expected").asDouble();
            }
            assertEquals(curve.get("pooledScored").asLong(), obs);
            assertEquals(curve.get("pooledScored").asDouble(), exp, 1e-6);
            assertEquals(2, hist.get("bins").size(), "red-green: red and green");
            assertTrue(hist.get("bins").get(1).get("observed").asDouble() > hist.get("bins").get(1).get("expected").asDouble());

            // the audit anchor is a real entry of the chain
            JsonNode audit = h.ok(200, h.call("GET", "/api/audit", h.admin, (byte[]) null));
            long seq = report.get("audit").get("headSeq").asLong();
            assertTrue(seq >= 1);
            boolean found = false;
            for (JsonNode e : audit.get("entries")) {
                if (e.get("seq").asLong() == seq) {
                    assertEquals(e.get("hash").asText(), report.get("audit").get("headHash").asText());
                    found = true;
                }
            }
            assertTrue(found);

            String commit = report.get("software").get("commit").asText();
            assertTrue(commit.matches("[0-9a-f]{40}(-dirty)?|unknown"), commit);
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0) {
                assertTrue(commit.startsWith(head), "built from this checkout: " + commit + " vs HEAD " + head);
            }
        }
    }

    @Test
    void unwatermarkedEvidenceSaysNoSignificantEvidenceAndNotInnocence() throws Exception {
        try (Harness h = TimestampIntegrationTest.start(tmp.resolve("data"), c -> { })) {
            // fixed seed, so this is deterministic; for a random seed the chance of a
            // (false) significant result would be alpha = 0.001
            Random rnd = new Random(20261207L);
            StringBuilder sb = new StringBuilder("{\"id\":\"plain\",\"tokens\":[");
            for (int i = 0; i < 300; i++) {
                sb.append(i == 0 ? "" : ",").append(rnd.nextInt(Harness.VOCAB));
            }
            sb.append("]}\n");
            JsonNode done = TimestampIntegrationTest.runJob(h, sb.toString());
            assertEquals("done", done.get("state").asText(), done.toString());
            Path dir = h.download(done.get("id").asText(), Files.createDirectories(tmp.resolve("report")));
            JsonNode report = Harness.JSON.readTree(dir.resolve(ReportFiles.REPORT).toFile());
            assertFalse(report.get("summary").get("significant").asBoolean());
            // one record: the pooled curve ends at exactly the record's own p-value
            assertEquals(report.get("results").get(0).get("log10PValue").asDouble(),
                    report.get("curve").get("pooledLog10PValue").asDouble(), 0.0);
            String flat = pdfText(Files.readAllBytes(dir.resolve(ReportFiles.PDF))).replaceAll("\\s+", " ");
            assertTrue(flat.contains("No significant evidence of the provmark watermark of key " + report.get("key").get("id").asText()), flat);
            assertTrue(flat.contains("Holm-corrected over 1 record;"), flat);
            assertTrue(flat.contains("This is not evidence of innocence."), flat);
        }
    }

    static String pdfText(byte[] pdf) throws Exception {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            return new PDFTextStripper().getText(doc);
        }
    }

    static void assertEveryFontEmbedded(byte[] pdf) throws Exception {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            int fonts = 0;
            for (PDPage page : doc.getPages()) {
                for (COSName name : page.getResources().getFontNames()) {
                    PDFont f = page.getResources().getFont(name);
                    assertTrue(f.isEmbedded(), "font " + f.getName() + " is not embedded");
                    assertTrue(f.getName().contains("+"), "font " + f.getName() + " is not a subset");
                    fonts++;
                }
            }
            assertTrue(fonts >= doc.getNumberOfPages(), "every page uses the embedded font");
        }
    }
}
