package io.provmark.cli.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Asks an endpoint every prompt not yet in the journal, with bounded concurrency, a request rate limit and
 * retries (exponential backoff with jitter; a Retry-After header is honoured), and appends one chain-of-custody
 * record per answer to the {@link ProbeJournal}. Prompts that fail for good are returned, not written to the
 * journal, so a later run asks them again. When the endpoint cannot be reached at all, or rejects the key, the
 * run stops early: nothing answered is lost, a rerun resumes.
 */
public final class Prober {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Counts for a progress display. */
    public record Progress(int total, int resumed, int answered, int failed, int retries) {
        public int done() {
            return resumed + answered + failed;
        }
    }

    /** Receives progress after every finished prompt and retry; called from worker threads, serialised. */
    @FunctionalInterface
    public interface Listener {
        void update(Progress p);
    }

    /**
     * What a run did.
     *
     * @param progress final counts
     * @param failures one record per prompt that failed for good (id, prompt, error, attempts, http_status, times)
     * @param fatal    why the run stopped early, or null when every prompt was tried
     * @param runId    the id written into every record of this run
     */
    public record Summary(Progress progress, List<ObjectNode> failures, String fatal, String runId) {
        public boolean complete() {
            return fatal == null && failures.isEmpty();
        }
    }

    private final ProbeSettings settings;
    private final ProbeClient client;
    private final String runId = UUID.randomUUID().toString();

    public Prober(ProbeSettings settings, String apiKey) {
        this.settings = settings;
        this.client = new ProbeClient(settings, apiKey);
    }

    /**
     * Checks that records already in the journal belong to this probe (same model, same prompt for the same id);
     * returns a message naming the first conflict, or null.
     */
    public String conflict(List<ProbePrompt> prompts, ProbeJournal journal) {
        Map<String, JsonNode> done = journal.records();
        for (ProbePrompt p : prompts) {
            JsonNode r = done.get(p.key());
            if (r == null) {
                continue;
            }
            if (!settings.model().equals(r.path("model").asText(null))) {
                return "answers file " + journal.file() + " holds an answer to prompt " + p.key() + " from model '"
                        + r.path("model").asText("?") + "', not '" + settings.model() + "'; use another --out";
            }
            JsonNode have = p.text() != null ? r.get("prompt") : r.get("messages");
            JsonNode want = p.text() != null ? JSON.getNodeFactory().textNode(p.text()) : p.messages();
            if (have == null || !have.equals(want)) {
                return "answers file " + journal.file() + " holds prompt " + p.key()
                        + " with a different prompt text than the prompts file; use another --out";
            }
        }
        return null;
    }

    /** Runs every prompt whose id is not in the journal yet. */
    public Summary run(List<ProbePrompt> prompts, ProbeJournal journal, Listener listener) throws InterruptedException {
        List<ProbePrompt> todo = new ArrayList<>();
        int resumed = 0;
        for (ProbePrompt p : prompts) {
            if (journal.records().containsKey(p.key())) {
                resumed++;
            } else {
                todo.add(p);
            }
        }
        State st = new State(prompts.size(), resumed, listener);
        st.report();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.concurrency(), Math.max(1, todo.size())), r -> {
            Thread t = new Thread(r, "provmark-probe");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger next = new AtomicInteger();
        try {
            for (int w = 0; w < settings.concurrency(); w++) {
                pool.execute(() -> {
                    try {
                        for (int i = next.getAndIncrement(); i < todo.size() && st.fatal.get() == null;
                             i = next.getAndIncrement()) {
                            ask(todo.get(i), journal, st);
                        }
                    } catch (InterruptedException e) {
                        st.stop("interrupted");
                    } catch (IOException e) {
                        st.stop("cannot write answers file " + journal.file() + ": " + e.getMessage());
                    } catch (RuntimeException e) {
                        st.stop("internal error: " + e);
                    }
                });
            }
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                // workers end when the prompts run out or a fatal error stops them
            }
        } catch (InterruptedException e) {
            st.stop("interrupted");
            pool.shutdownNow();
            throw e;
        }
        return new Summary(st.progress(), new ArrayList<>(st.failures), st.fatal.get(), runId);
    }

    /** Shared state of one run. */
    private final class State {
        final int total;
        final int resumed;
        final Listener listener;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicReference<String> fatal = new AtomicReference<>();
        final CountDownLatch stopped = new CountDownLatch(1);
        final ConcurrentLinkedQueue<ObjectNode> failures = new ConcurrentLinkedQueue<>();
        private final long interval = settings.ratePerSecond() > 0 ? (long) (1e9 / settings.ratePerSecond()) : 0;
        private long nextStart = System.nanoTime();

        State(int total, int resumed, Listener listener) {
            this.total = total;
            this.resumed = resumed;
            this.listener = listener;
        }

        void stop(String why) {
            fatal.compareAndSet(null, why);
            stopped.countDown();
        }

        Progress progress() {
            return new Progress(total, resumed, answered.get(), failed.get(), retries.get());
        }

        synchronized void report() {
            if (listener != null) {
                listener.update(progress());
            }
        }

        /** Waits for the rate limit; false when the run stopped meanwhile. */
        boolean acquire() throws InterruptedException {
            if (interval == 0) {
                return fatal.get() == null;
            }
            long wait;
            synchronized (this) {
                long now = System.nanoTime();
                long start = Math.max(now, nextStart);
                nextStart = start + interval;
                wait = start - now;
            }
            return !sleep(wait / 1_000_000);
        }

        /** Sleeps unless the run stops; true when it stopped. */
        boolean sleep(long millis) throws InterruptedException {
            if (millis > 0) {
                stopped.await(millis, TimeUnit.MILLISECONDS);
            }
            return fatal.get() != null;
        }
    }

    private void ask(ProbePrompt p, ProbeJournal journal, State st) throws InterruptedException, IOException {
        byte[] body = client.requestBody(p);
        Instant started = null;
        ProbeClient.Outcome last = null;
        int attempts = 0;
        while (attempts <= settings.maxRetries()) {
            if (!st.acquire()) {
                return;
            }
            if (started == null) {
                started = Instant.now();
            }
            attempts++;
            last = client.send(body);
            if (last.kind() == ProbeClient.Kind.ANSWER) {
                journal.append(record(p, body, last, started, Instant.now(), attempts));
                st.answered.incrementAndGet();
                st.report();
                return;
            }
            if (last.kind() == ProbeClient.Kind.FATAL) {
                st.stop(last.message());
                return;
            }
            if (last.kind() == ProbeClient.Kind.FAIL || attempts > settings.maxRetries()) {
                break;
            }
            st.retries.incrementAndGet();
            st.report();
            if (st.sleep(backoff(attempts, last.retryAfterMillis()))) {
                return;
            }
        }
        if (last.connectFailure()) {
            st.stop(last.message() + " (after " + attempts + " attempts); nothing was lost: rerun the same command to"
                    + " resume");
            return;
        }
        ObjectNode f = JSON.createObjectNode();
        f.set("id", p.id());
        putPrompt(f, p);
        f.put("error", last.message() + (last.kind() == ProbeClient.Kind.RETRY ? " (gave up after " + attempts
                + " attempts)" : ""));
        f.put("attempts", attempts);
        if (last.status() > 0) {
            f.put("http_status", last.status());
        } else {
            f.putNull("http_status");
        }
        f.put("started", started.toString());
        f.put("finished", Instant.now().toString());
        f.put("endpoint", settings.requestUri().toString());
        f.put("model", settings.model());
        f.put("run_id", runId);
        st.failures.add(f);
        st.failed.incrementAndGet();
        st.report();
    }

    /** Delay before retry number {@code attempt}: base * 2^(attempt-1) capped, jittered to [d/2, d], at least Retry-After. */
    long backoff(int attempt, long retryAfterMillis) {
        long d = settings.backoffMillis() << Math.min(30, attempt - 1);
        if (d < 0 || d > settings.maxBackoffMillis()) {
            d = settings.maxBackoffMillis();
        }
        long jittered = d / 2 + (d / 2 > 0 ? ThreadLocalRandom.current().nextLong(d - d / 2 + 1) : d - d / 2);
        return Math.max(jittered, retryAfterMillis);
    }

    private void putPrompt(ObjectNode o, ProbePrompt p) {
        if (p.text() != null) {
            o.put("prompt", p.text());
        } else {
            o.set("messages", p.messages());
        }
    }

    private ObjectNode record(ProbePrompt p, byte[] request, ProbeClient.Outcome out, Instant started, Instant finished,
                              int attempts) {
        ObjectNode o = JSON.createObjectNode();
        o.set("id", p.id());
        putPrompt(o, p);
        o.put("answer", out.answer());
        JsonNode c0 = out.response().get("choices").get(0);
        JsonNode ids = c0.get("token_ids");
        if (ids != null && ids.isArray() && allInts(ids)) {
            o.set("answer_tokens", ids);
        }
        JsonNode pids = c0.get("prompt_token_ids");
        if (pids != null && pids.isArray() && allInts(pids)) {
            o.set("prompt_tokens", pids);
        }
        if (c0.hasNonNull("finish_reason")) {
            o.set("finish_reason", c0.get("finish_reason"));
        }
        if (settings.logprobs() != null && c0.hasNonNull("logprobs")) {
            o.set("logprobs", c0.get("logprobs"));
        }
        o.put("model", settings.model());
        if (out.response().hasNonNull("model")) {
            o.set("response_model", out.response().get("model"));
        }
        if (out.response().hasNonNull("id")) {
            o.set("response_id", out.response().get("id"));
        }
        if (out.response().hasNonNull("usage")) {
            o.set("usage", out.response().get("usage"));
        }
        o.put("endpoint", settings.requestUri().toString());
        o.put("mode", settings.mode());
        o.put("request_sha256", sha256(request));
        o.put("response_sha256", sha256(out.body()));
        o.put("started", started.toString());
        o.put("finished", finished.toString());
        o.put("attempts", attempts);
        o.put("http_status", out.status());
        o.put("run_id", runId);
        if (settings.keepRaw()) {
            // both bodies are valid UTF-8 JSON (checked), so these strings re-encode to the hashed bytes
            o.put("request", new String(request, StandardCharsets.UTF_8));
            o.put("response", new String(out.body(), StandardCharsets.UTF_8));
        }
        return o;
    }

    private static boolean allInts(JsonNode a) {
        for (JsonNode n : a) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                return false;
            }
        }
        return true;
    }

    /** Lower-case hex SHA-256. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
