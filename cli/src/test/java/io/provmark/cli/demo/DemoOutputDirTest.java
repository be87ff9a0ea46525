package io.provmark.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's output directory rules and its embedded corpus. */
class DemoOutputDirTest {
    @Test
    void forceReplacesOnlyAnEarlierDemosOutput(@TempDir Path tmp) throws Exception {
        Path fresh = tmp.resolve("new");
        assertNull(DistillationDemo.prepareOut(fresh, false));
        assertTrue(Files.isDirectory(fresh));

        Path earlier = Files.createDirectories(tmp.resolve("earlier"));
        Files.writeString(earlier.resolve(DistillationDemo.SUMMARY), "{\"status\": \"incomplete\"}");
        Files.createDirectories(earlier.resolve("evidence"));
        Files.writeString(earlier.resolve("evidence/x.jsonl"), "{}");
        assertTrue(DistillationDemo.prepareOut(earlier, false).contains("--force"));
        assertTrue(Files.exists(earlier.resolve("evidence/x.jsonl")), "nothing deleted without --force");
        assertNull(DistillationDemo.prepareOut(earlier, true));
        try (var s = Files.list(earlier)) {
            assertEquals(0, s.count(), "an earlier demo's output is cleared with --force");
        }

        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("thesis.tex"), "x");
        assertTrue(DistillationDemo.prepareOut(other, true).contains("refusing to delete"));
        assertTrue(Files.exists(other.resolve("thesis.tex")));
    }

    @Test
    void embeddedCorpusLoadsIntoChapterBoundedDocuments() {
        List<DemoCorpus.Doc> docs = DemoCorpus.load();
        assertEquals(4230, docs.size());
        assertTrue(docs.get(0).id().startsWith("Genesis 1:1-4"), docs.get(0).id());
        assertTrue(docs.get(0).text().startsWith("In the beginning God created the heaven and the earth."));
        for (DemoCorpus.Doc d : docs) {
            assertFalse(d.text().isBlank());
        }
    }

    @Test
    void groupingNeverCrossesAChapter() {
        List<DemoCorpus.Doc> docs = DemoCorpus.group(List.of("A\t1\t1\tone", "A\t1\t2\ttwo", "A\t2\t1\tthree",
                "A\t2\t2\tfour", "A\t2\t3\tfive", "A\t2\t4\tsix", "A\t2\t5\tseven"));
        assertEquals(List.of("A 1:1-2", "A 2:1-4", "A 2:5-5"), docs.stream().map(DemoCorpus.Doc::id).toList());
        assertEquals("three four five six", docs.get(1).text());
    }
}
