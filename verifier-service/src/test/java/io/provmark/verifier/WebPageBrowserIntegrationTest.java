package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in the system Chromium (headless, driven by Selenium through the system chromedriver):
 * a legal user pastes a token, opens a case, uploads JSONL evidence, starts a job, watches it finish,
 * reads the verdict and downloads report.json and the whole report as a zip, which must verify.
 * With {@code -Dprovmark.screenshot=PATH} a PNG of the finished job is written to PATH.
 */
class WebPageBrowserIntegrationTest {
    /** Debian's paths; -Dprovmark.chromium / -Dprovmark.chromedriver for other systems. */
    static final Path CHROMIUM = Path.of(System.getProperty("provmark.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("provmark.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Missing browser: a failure (CI installs it), unless PROVMARK_SKIP_BROWSER=1 says to skip. */
    static void requireBrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (present) {
            return;
        }
        Assumptions.assumeFalse("1".equals(System.getenv("PROVMARK_SKIP_BROWSER")),
                "PROVMARK_SKIP_BROWSER=1: browser test skipped");
        fail("the browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                + " (Debian: apt-get install -y chromium chromium-driver); set PROVMARK_SKIP_BROWSER=1 to skip it");
    }

    static WebDriver startBrowser(Path profileDir, Path downloads) throws IOException {
        Files.createDirectories(profileDir);
        Files.createDirectories(downloads);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--user-data-dir=" + profileDir, "--window-size=1280,1800", "--no-first-run",
                "--disable-background-networking", "--disable-extensions", "--disable-sync", "--lang=en-US");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        prefs.put("download.directory_upgrade", true);
        prefs.put("safebrowsing.enabled", false);
        prefs.put("profile.default_content_setting_values.automatic_downloads", 1); // several files from one click
        o.setExperimentalOption("prefs", prefs);
        o.setCapability("goog:loggingPrefs", Map.of("browser", "ALL")); // console: CSP violations, script errors
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private static WebElement waitVisible(WebDriver d, String id) {
        return new WebDriverWait(d, WAIT).until(x -> {
            WebElement e = x.findElement(By.id(id));
            return e.isDisplayed() ? e : null;
        });
    }

    private static void waitText(WebDriver d, String id, String text) {
        new WebDriverWait(d, WAIT).withMessage(() -> "#" + id + " never showed \"" + text + "\"; error box: "
                + d.findElement(By.id("error")).getText()).until(x -> text.equals(x.findElement(By.id(id)).getText()));
    }

    /** Waits until Chrome has finished writing a download (no .crdownload partial left). */
    private static Path waitDownload(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        long end = System.currentTimeMillis() + WAIT.toMillis();
        while (System.currentTimeMillis() < end) {
            if (Files.exists(f) && !Files.exists(dir.resolve(name + ".crdownload"))) {
                return f;
            }
            Thread.sleep(50);
        }
        try (var s = Files.list(dir)) {
            fail("download " + name + " never appeared; download dir holds " + s.toList());
        }
        return null;
    }

    @Test
    void legalUserOpensCaseUploadsRunsAndDownloadsAVerifyingReport() throws Exception {
        requireBrowser();
        Path downloads = tmp.resolve("downloads");
        try (Harness h = new Harness(tmp.resolve("data")).start(1)) {
            String legal = h.token("legal");
            h.createProfile();
            // markup in server data must show up as text, never as elements
            String markup = "Probe <img src=x id=injected> & <b id=bold>run</b>";
            String markupCase = h.ok(201, h.call("POST", "/api/cases", legal, JSON.writeValueAsString(
                    Map.of("title", markup, "description", "<script id=injected2>alert(1)</script>")))).get("id").asText();
            String title = "ACME v. Distiller";
            String caseId = h.ok(201, h.call("POST", "/api/cases", legal, JSON.writeValueAsString(
                    Map.of("title", title, "description", "Answers of the suspect model to 3 prompts, collected 2026-12-01")))).get("id").asText();
            Path evidenceFile = tmp.resolve("suspect.jsonl");
            Files.writeString(evidenceFile, h.watermarkedJsonl(3, 200));
            String evidenceSha = ReportFiles.sha256(Files.readAllBytes(evidenceFile));

            WebDriver d = startBrowser(tmp.resolve("chrome-profile"), downloads);
            try {
                String base = "http://127.0.0.1:" + h.server.port() + "/";
                d.get(base);
                d.manage().window().setSize(new Dimension(1280, 1800));

                // a wrong token: the API's 401 message is shown, nothing else opens
                d.findElement(By.id("token")).sendKeys("pmv_not-a-real-token");
                d.findElement(By.id("signin")).click();
                waitText(d, "error", "HTTP 401: unknown API token");
                assertFalse(d.findElement(By.id("app")).isDisplayed());

                d.findElement(By.id("token")).sendKeys(legal);
                d.findElement(By.id("signin")).click();
                waitText(d, "whoami", "legal-user (legal)");
                assertFalse(d.findElement(By.id("error")).isDisplayed());
                assertFalse(d.getCurrentUrl().contains(legal), "the token must never be in the URL");
                assertEquals(legal, ((JavascriptExecutor) d).executeScript("return sessionStorage.getItem('provmark.token')"));

                WebElement markupLink = new WebDriverWait(d, WAIT).until(x -> x.findElement(
                        By.cssSelector("#cases button[data-case-id='" + markupCase + "']")));
                assertEquals(markup, markupLink.getText());
                markupLink.click();
                waitText(d, "case-title", markup);
                assertEquals("<script id=injected2>alert(1)</script>", d.findElement(By.id("case-description")).getText());
                for (String id : List.of("injected", "bold", "injected2")) {
                    assertTrue(d.findElements(By.id(id)).isEmpty(), "server text was parsed as HTML: #" + id);
                }

                d.findElement(By.cssSelector("#cases button[data-case-id='" + caseId + "']")).click();
                waitText(d, "case-title", title);
                assertEquals("Answers of the suspect model to 3 prompts, collected 2026-12-01",
                        d.findElement(By.id("case-description")).getText());
                assertTrue(d.findElement(By.id("no-evidence")).isDisplayed());

                // a malformed upload: the API's 400 message is shown and nothing is stored
                Path bad = tmp.resolve("bad.jsonl");
                Files.writeString(bad, "{\"tokens\": [1, 2,\n");
                d.findElement(By.id("evidence-file")).sendKeys(bad.toString());
                d.findElement(By.id("upload")).click();
                new WebDriverWait(d, WAIT).until(x -> x.findElement(By.id("error")).isDisplayed());
                String err = d.findElement(By.id("error")).getText();
                assertTrue(err.startsWith("HTTP 400: ") && err.contains("line 1"), err);
                assertTrue(d.findElement(By.id("no-evidence")).isDisplayed());
                assertEquals(0, h.ok(200, h.call("GET", "/api/cases/" + caseId + "/evidence", legal, (byte[]) null)).get("evidence").size());

                d.findElement(By.id("evidence-file")).sendKeys(evidenceFile.toString());
                new Select(d.findElement(By.id("evidence-kind"))).selectByValue("token-ids");
                d.findElement(By.id("upload")).click();
                waitVisible(d, "upload-result");
                assertFalse(d.findElement(By.id("error")).isDisplayed(), "a successful action clears the error");
                assertEquals(evidenceSha, d.findElement(By.id("evidence-sha")).getText(), "the SHA-256 the server returned");
                new WebDriverWait(d, WAIT).until(x -> !new Select(x.findElement(By.id("evidence-select"))).getOptions().isEmpty());

                d.findElement(By.id("start-job")).click();
                waitText(d, "job-state", "done");
                String jobId = d.findElement(By.id("job-id")).getText();
                assertEquals(36, jobId.length(), jobId);
                WebElement verdict = waitVisible(d, "verdict");
                assertTrue(verdict.getText().contains("Holm-corrected"), verdict.getText());
                assertTrue(verdict.getText().contains(evidenceSha), verdict.getText());
                assertTrue(verdict.getText().contains("× 10⁻"), "a tiny p-value is shown as a power of ten: " + verdict.getText());
                waitVisible(d, "report");
                assertFalse(d.findElement(By.id("error")).isDisplayed(), d.findElement(By.id("error")).getText());

                String shot = System.getProperty("provmark.screenshot");
                if (shot != null && !shot.isBlank()) {
                    ((JavascriptExecutor) d).executeScript("window.scrollTo(0, 0)");
                    Path out = Path.of(shot).toAbsolutePath();
                    Files.createDirectories(out.getParent());
                    Files.write(out, ((ChromeDriver) d).getScreenshotAs(OutputType.BYTES));
                }

                // one file: saved through a Blob, byte-identical to the server's report.json
                d.findElement(By.cssSelector("#report-files button[data-file='report.json']")).click();
                Path got = waitDownload(downloads, "report.json");
                Path serverReport = h.dataDir.resolve("reports").resolve(jobId);
                assertEquals(ReportFiles.sha256(Files.readAllBytes(serverReport.resolve("report.json"))),
                        ReportFiles.sha256(Files.readAllBytes(got)));
                JsonNode report = JSON.readTree(Files.readAllBytes(got));
                assertEquals(jobId, report.get("job").get("id").asText());
                assertEquals(caseId, report.get("case").get("id").asText());
                assertEquals(evidenceSha, report.get("inputs").get(0).get("sha256").asText());

                // the whole directory as a zip built in the page: unpacked, it must verify offline
                d.findElement(By.id("download-zip")).click();
                Path zip = waitDownload(downloads, "provmark-report-" + jobId + ".zip");
                Path unpacked = unzip(zip, tmp.resolve("unpacked"));
                assertEquals(names(serverReport), names(unpacked));
                ReportVerifier.Result v = ReportVerifier.verify(unpacked);
                assertTrue(v.ok(), v.failure());
                try (var s = Files.list(serverReport.resolve(ReportFiles.INPUTS_DIR))) {
                    assertEquals(1, s.count());
                }
                assertTrue(Files.exists(unpacked.resolve(ReportFiles.INPUTS_DIR).resolve(evidenceSha + ".jsonl")));
                // forget the token; an auditor sees the same case and verdict but no upload or run controls
                d.findElement(By.id("signout")).click();
                assertTrue(d.findElement(By.id("token")).isDisplayed());
                assertFalse(d.findElement(By.id("app")).isDisplayed());
                assertEquals(null, ((JavascriptExecutor) d).executeScript("return sessionStorage.getItem('provmark.token')"));
                d.findElement(By.id("token")).sendKeys(h.token("auditor"));
                d.findElement(By.id("signin")).click();
                waitText(d, "whoami", "auditor-user (auditor)");
                assertFalse(d.findElement(By.id("case-panel")).isDisplayed(), "nothing of the previous session stays open");
                new WebDriverWait(d, WAIT).until(x -> x.findElement(By.cssSelector("#cases button[data-case-id='" + caseId + "']"))).click();
                waitText(d, "case-title", title);
                assertFalse(d.findElement(By.id("upload-form")).isDisplayed());
                assertFalse(d.findElement(By.id("run-section")).isDisplayed());
                assertFalse(d.findElement(By.id("new-case")).isDisplayed());
                assertTrue(d.findElement(By.id("read-only")).getText().contains("auditor"));
                new WebDriverWait(d, WAIT).until(x -> x.findElement(By.cssSelector("#jobs button[data-job-id='" + jobId + "']"))).click();
                waitText(d, "job-state", "done");
                assertTrue(waitVisible(d, "verdict").getText().contains(evidenceSha));
                assertFalse(d.findElement(By.id("cancel-job")).isDisplayed());
                assertFalse(d.findElement(By.id("error")).isDisplayed(), d.findElement(By.id("error")).getText());

                // the page ran under its CSP without a violation or a script error
                List<String> console = d.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                        .map(LogEntry::getMessage)
                        .filter(m -> !m.contains("status of 401") && !m.contains("status of 400")) // the two failures provoked above
                        .toList();
                assertTrue(console.isEmpty(), "browser console: " + console);
            } finally {
                d.quit();
            }
        }
    }

    /** Unpacks a zip, refusing entries that would land outside {@code dir}. */
    static Path unzip(Path zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in, StandardCharsets.UTF_8)) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new IOException("zip entry outside the target: " + e.getName());
                }
                Files.createDirectories(out.getParent());
                Files.write(out, z.readAllBytes());
            }
        }
        return dir;
    }

    static List<String> names(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
