package io.provmark.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * The demo's human text: the King James Bible from Genesis 1:1 to Psalms 119:100 (the first 16,000 verses
 * of test-corpora's kjv.tsv, public domain), shipped gzip'd as a cli resource so the demo needs no fetched data.
 * Verses are grouped into documents of a few consecutive verses of one chapter.
 */
public final class DemoCorpus {
    /** Class-path resource holding {@code book TAB chapter TAB verse TAB text} lines, gzip'd. */
    public static final String RESOURCE = "/io/provmark/cli/demo/kjv-genesis-psalms.tsv.gz";
    /** SHA-256 of the resource bytes (checked on load so a damaged jar is reported, not silently used). */
    public static final String RESOURCE_SHA256 = "cd1ec2ba18fe4b0b1a0fd07ed254afc148993adf40c16ef3c6e11f4659cda29a";
    /** Verses per document. */
    public static final int VERSES_PER_DOC = 4;

    /** One document: an id like {@code Genesis 1:1-4} and its text. */
    public record Doc(String id, String text) {
        public Doc {
            Objects.requireNonNull(id, "id");
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("document " + id + " has no text");
            }
        }
    }

    private DemoCorpus() {
    }

    /** Loads the embedded slice as documents, in canonical (book) order. */
    public static List<Doc> load() {
        try (InputStream raw = DemoCorpus.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("the demo corpus " + RESOURCE + " is missing from the class path");
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] all;
            try (DigestInputStream in = new DigestInputStream(raw, md)) {
                all = in.readAllBytes();
            }
            String sha = HexFormat.of().formatHex(md.digest());
            if (!sha.equals(RESOURCE_SHA256)) {
                throw new IllegalStateException("the demo corpus " + RESOURCE + " is damaged: SHA-256 " + sha
                        + ", expected " + RESOURCE_SHA256);
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(new java.io.ByteArrayInputStream(all)), StandardCharsets.UTF_8))) {
                return group(r.lines().toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo corpus " + RESOURCE, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Groups TSV verse lines into documents of {@link #VERSES_PER_DOC} verses that never cross a chapter. */
    static List<Doc> group(List<String> lines) {
        List<Doc> docs = new ArrayList<>();
        String chapter = null;
        String firstVerse = null;
        String lastVerse = null;
        StringBuilder text = new StringBuilder();
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", 4);
            if (f.length != 4) {
                throw new IllegalStateException("demo corpus line " + (i + 1) + ": expected 4 tab-separated fields");
            }
            String ch = f[0] + " " + f[1];
            if (n > 0 && (!ch.equals(chapter) || n == VERSES_PER_DOC)) {
                docs.add(new Doc(chapter + ":" + firstVerse + "-" + lastVerse, text.toString()));
                text.setLength(0);
                n = 0;
            }
            if (n == 0) {
                chapter = ch;
                firstVerse = f[2];
            }
            lastVerse = f[2];
            if (n > 0) {
                text.append(' ');
            }
            text.append(f[3].strip());
            n++;
        }
        if (n > 0) {
            docs.add(new Doc(chapter + ":" + firstVerse + "-" + lastVerse, text.toString()));
        }
        return docs;
    }
}
