package io.provmark.cli.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers file of {@code provmark probe}: append-only JSONL, one record per answered prompt, each record
 * written with one {@code write} and made durable with {@code fsync} before the next is taken as done.
 *
 * <p>A crash can therefore only leave a prefix of the last record: bytes after the last newline. Opening the
 * journal detects such a torn tail and cuts it off (the prompt is asked again). Any other damage — a complete
 * line that is not a JSON object with an {@code id}, or two records with one id — is refused, never "repaired",
 * because it cannot come from an interrupted probe. The file is locked while open, so two probes cannot write
 * it at once.
 */
public final class ProbeJournal implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file is not an answers file this journal can resume. */
    public static final class JournalException extends IOException {
        public JournalException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<String, JsonNode> records;
    private final long tornBytes;
    private boolean syncEach = true;

    private ProbeJournal(Path file, FileChannel channel, FileLock lock, Map<String, JsonNode> records, long tornBytes) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.records = records;
        this.tornBytes = tornBytes;
    }

    /** The key a record's id is matched by: its JSON text, so {@code 1} and {@code "1"} are different ids. */
    public static String idKey(JsonNode id) {
        return id.toString();
    }

    /** Opens (creating if needed) and locks the file, reads its records and cuts off a torn last line. */
    public static ProbeJournal open(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        boolean created = !Files.exists(abs);
        FileChannel ch = FileChannel.open(abs, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (created && abs.getParent() != null) {
            syncDirectory(abs.getParent());
        }
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new JournalException("answers file " + file + " is in use by another probe");
            }
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new JournalException("answers file " + file + " is too large to resume (" + size + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf, buf.position()) >= 0) {
                // read(dst, position) does not advance the channel; loop until full
            }
            byte[] all = buf.array();
            int end = 0; // end of the last complete line
            Map<String, JsonNode> records = new LinkedHashMap<>();
            int line = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') {
                    continue;
                }
                line++;
                String text = new String(all, end, i - end, StandardCharsets.UTF_8);
                end = i + 1;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new JournalException("answers file " + file + " line " + line + " is not valid JSON ("
                            + e.getOriginalMessage() + "); only the last line can be torn by an interrupted probe, so"
                            + " this file was changed by something else: fix it or use another --out");
                }
                if (node == null || !node.isObject() || node.get("id") == null) {
                    throw new JournalException("answers file " + file + " line " + line
                            + " is not an answer record (a JSON object with an id)");
                }
                String key = idKey(node.get("id"));
                if (records.put(key, node) != null) {
                    throw new JournalException("answers file " + file + " line " + line + " repeats id " + key
                            + "; a probe never writes an id twice, so the file was changed by something else");
                }
            }
            long torn = all.length - end;
            if (torn > 0) {
                ch.truncate(end);
                ch.force(true);
            }
            ch.position(end);
            return new ProbeJournal(file, ch, lock, records, torn);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Makes a new file's directory entry durable (a fsync of the file alone does not); best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open or sync a directory; the records themselves are still fsynced
        }
    }

    /** Records already in the file, by {@link #idKey}, in file order. */
    public Map<String, JsonNode> records() {
        return Collections.unmodifiableMap(records);
    }

    /** Bytes of a torn last line cut off at open (0: the file ended cleanly). */
    public long tornBytes() {
        return tornBytes;
    }

    public Path file() {
        return file;
    }

    /** Whether each record is fsynced before {@link #append} returns (default); else {@link #sync} does it. */
    public synchronized void syncEachRecord(boolean each) {
        this.syncEach = each;
    }

    /** Appends one record as one line; durable on return when syncing each record. */
    public synchronized void append(JsonNode record) throws IOException {
        JsonNode id = record.get("id");
        if (id == null) {
            throw new IllegalArgumentException("an answer record needs an id");
        }
        String key = idKey(id);
        if (records.containsKey(key)) {
            throw new IllegalStateException("id " + key + " is already in " + file);
        }
        byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        if (syncEach) {
            channel.force(false);
        }
        records.put(key, record);
    }

    /** Makes every appended record durable. */
    public synchronized void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (channel.isOpen()) {
                channel.force(false);
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
