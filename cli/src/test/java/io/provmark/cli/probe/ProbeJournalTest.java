package io.provmark.cli.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The answers journal: append, reopen, torn-tail repair, and refusal of damage a crash cannot cause. */
class ProbeJournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode rec(Object id, String answer) {
        ObjectNode o = JSON.createObjectNode();
        if (id instanceof String) {
            o.put("id", (String) id);
        } else {
            o.put("id", (Integer) id);
        }
        o.put("answer", answer);
        return o;
    }

    @Test
    void appendsAndReopens(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sub").resolve("a.jsonl");
        try (ProbeJournal j = ProbeJournal.open(f)) {
            assertEquals(0, j.records().size());
            j.append(rec("a", "x"));
            j.append(rec(1, "y"));
            j.append(rec("1", "z"));
            assertThrows(IllegalStateException.class, () -> j.append(rec("a", "again")));
        }
        assertEquals(3, Files.readAllLines(f).size());
        try (ProbeJournal j = ProbeJournal.open(f)) {
            assertEquals(List.of("\"a\"", "1", "\"1\""), List.copyOf(j.records().keySet()), "1 and \"1\" differ");
            assertEquals(0, j.tornBytes());
            j.append(rec("b", "w"));
        }
        assertEquals(4, Files.readAllLines(f).size());
    }

    @Test
    void tornLastLineIsCutOffAndAppendingContinuesCleanly(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.jsonl");
        try (ProbeJournal j = ProbeJournal.open(f)) {
            j.append(rec("a", "x"));
            j.append(rec("b", "y"));
        }
        byte[] clean = Files.readAllBytes(f);
        String torn = "{\"id\":\"c\",\"answer\":\"half a rec";
        Files.write(f, torn.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (ProbeJournal j = ProbeJournal.open(f)) {
            assertEquals(torn.length(), j.tornBytes());
            assertEquals(2, j.records().size());
            assertTrue(!j.records().containsKey("\"c\""));
            j.append(rec("c", "whole"));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals("whole", JSON.readTree(lines.get(2)).get("answer").asText());
        byte[] now = Files.readAllBytes(f);
        for (int i = 0; i < clean.length; i++) {
            assertEquals(clean[i], now[i], "earlier records untouched at byte " + i);
        }
        // a torn tail that happens to be valid JSON is still cut: without its newline it was never committed
        Files.write(f, "{\"id\":\"d\"}".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (ProbeJournal j = ProbeJournal.open(f)) {
            assertEquals(3, j.records().size());
            assertEquals(10, j.tornBytes());
        }
    }

    @Test
    void damageACrashCannotCauseIsRefusedAndLeftAlone(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.jsonl");
        String bad = "{\"id\":\"a\"}\n{\"id\":\"b\", oops}\n{\"id\":\"c\"}\n";
        Files.writeString(f, bad);
        ProbeJournal.JournalException e = assertThrows(ProbeJournal.JournalException.class, () -> ProbeJournal.open(f));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not valid JSON"), e.getMessage());
        assertEquals(bad, Files.readString(f), "nothing changed");

        Files.writeString(f, "{\"id\":\"a\"}\n{\"id\":\"a\"}\n");
        e = assertThrows(ProbeJournal.JournalException.class, () -> ProbeJournal.open(f));
        assertTrue(e.getMessage().contains("repeats id"), e.getMessage());

        Files.writeString(f, "{\"answer\":\"no id\"}\n");
        e = assertThrows(ProbeJournal.JournalException.class, () -> ProbeJournal.open(f));
        assertTrue(e.getMessage().contains("not an answer record"), e.getMessage());
    }

    @Test
    void secondWriterIsRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.jsonl");
        try (ProbeJournal j = ProbeJournal.open(f)) {
            ProbeJournal.JournalException e = assertThrows(ProbeJournal.JournalException.class, () -> ProbeJournal.open(f));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        ProbeJournal.open(f).close();
    }

    @Test
    void backoffGrowsWithJitterAndHonoursRetryAfter() {
        ProbeSettings s = new ProbeSettings(java.net.URI.create("http://127.0.0.1:1/v1"), "m", true, 1, 0, 5, 1000, 10,
                1.0, null, null, null, false, false, true, 100, 1000);
        Prober p = new Prober(s, null);
        for (int i = 0; i < 200; i++) {
            long a1 = p.backoff(1, -1);
            long a3 = p.backoff(3, -1);
            long a9 = p.backoff(9, -1);
            assertTrue(a1 >= 50 && a1 <= 100, "first retry in [50, 100]: " + a1);
            assertTrue(a3 >= 200 && a3 <= 400, "third retry in [200, 400]: " + a3);
            assertTrue(a9 >= 500 && a9 <= 1000, "capped at the max backoff: " + a9);
            assertEquals(5000, p.backoff(1, 5000), "Retry-After honoured even above the cap");
        }
        assertEquals(7000, ProbeClient.parseRetryAfter("7"));
        assertEquals(-1, ProbeClient.parseRetryAfter("soon"));
        assertEquals(-1, ProbeClient.parseRetryAfter(null));
        assertEquals(0, ProbeClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), "a date in the past: now");
    }
}
