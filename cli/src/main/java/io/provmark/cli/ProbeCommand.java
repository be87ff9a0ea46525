package io.provmark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.cli.probe.ProbeJournal;
import io.provmark.cli.probe.ProbePrompt;
import io.provmark.cli.probe.ProbeSettings;
import io.provmark.cli.probe.Prober;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark probe}: harvest a suspect's answers over its OpenAI-compatible API, resumably. */
@Command(name = "probe",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Ask an OpenAI-compatible endpoint every prompt; resumable, with chain of custody.",
        description = {
            "Sends every prompt of --prompts (JSONL: {\"id\": ..., \"prompt\" or \"text\": \"...\"} or "
                    + "{\"id\": ..., \"messages\": [...]}) to the endpoint and appends one record per answer "
                    + "to --out: id, prompt, answer, answer token ids when the endpoint returns them, model, "
                    + "SHA-256 of the exact request and response bodies (and the bodies themselves unless "
                    + "--no-raw), start and finish times (UTC), attempts and HTTP status.",
            "",
            "Each record is written with one write and fsynced. Rerunning with the same --out skips the ids "
                    + "already answered and cuts off a torn last line left by a crash: no duplicates, no gaps. "
                    + "429 (honouring Retry-After), 408, 5xx, timeouts, connection errors, non-JSON or "
                    + "malformed responses and empty answers are retried with exponential backoff and jitter. "
                    + "Prompts that still fail go to the failures file (default: <out> with .failures.jsonl). "
                    + "The API key is read from PROVMARK_PROBE_API_KEY, never an argument.",
            "",
            "Exit codes: 0 every prompt answered; 5 incomplete (some prompts failed, or the run stopped "
                    + "because the endpoint is unreachable or rejected the key: rerun to resume); 2 usage; "
                    + "3 bad prompts or answers file.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  export PROVMARK_PROBE_API_KEY=sk-...",
            "  provmark probe --endpoint http://127.0.0.1:8471/v1 --model student \\",
            "      --prompts prompts.jsonl --out answers.jsonl --concurrency 8 --rate 20/s",
            "  provmark probe --endpoint http://127.0.0.1:8471/v1 --model student \\",
            "      --mode completions --echo --logprobs 1 --max-tokens 0 \\",
            "      --prompts ours.jsonl --out reading.jsonl"})
final class ProbeCommand implements Callable<Integer> {
    /** The run did not answer every prompt (see the help); rerunning resumes. */
    static final int INCOMPLETE = 5;
    static final String API_KEY_ENV = "PROVMARK_PROBE_API_KEY";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext ctx;

    @Option(names = "--endpoint", required = true, paramLabel = "URL",
            description = "API base URL, e.g. http://127.0.0.1:8471/v1 (/completions or /chat/completions is appended).")
    String endpoint;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name sent in every request.")
    String model;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts, JSONL (see above).")
    Path promptsFile;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Answers file (JSONL), appended to; an existing one is resumed.")
    Path out;

    @Option(names = "--failures", paramLabel = "FILE",
            description = "Where prompts that failed for good are listed (default: --out with .failures.jsonl"
                    + " in place of .jsonl).")
    Path failuresFile;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "chat",
            description = "chat (/chat/completions) or completions (/completions); default ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
            description = "Requests in flight at most (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--rate", paramLabel = "R/s", defaultValue = "0",
            description = "Requests started per second at most, retries included, e.g. 5 or 5/s (default 0: no limit).")
    String rate;

    @Option(names = "--max-retries", paramLabel = "N", defaultValue = "6",
            description = "Retries of a retryable failure after the first attempt (default ${DEFAULT-VALUE}).")
    int maxRetries;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "60",
            description = "Seconds to wait for one response (default ${DEFAULT-VALUE}).")
    double timeout;

    @Option(names = "--backoff", paramLabel = "S", defaultValue = "1",
            description = "First retry delay in seconds; doubles per retry, jittered (default ${DEFAULT-VALUE}).")
    double backoff;

    @Option(names = "--max-backoff", paramLabel = "S", defaultValue = "60",
            description = "Largest retry delay in seconds; Retry-After is honoured even if longer (default ${DEFAULT-VALUE}).")
    double maxBackoff;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "200",
            description = "max_tokens of each request (default ${DEFAULT-VALUE}; 0 only with --echo).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Sampling temperature sent, 0..2 (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "top_p sent (default: not sent).")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "seed sent with every request (default: not sent).")
    Long seed;

    @Option(names = "--logprobs", paramLabel = "K",
            description = "Ask for the top-K log-probabilities per token (0..20) and store them (default: not asked).")
    Integer logprobs;

    @Option(names = "--echo", description = "Completions mode: ask for the prompt back with its log-probabilities"
            + " (reading mode; use with --logprobs and --max-tokens 0).")
    boolean echo;

    @Option(names = "--allow-empty", description = "Accept empty answers (default: retried, then a failure).")
    boolean allowEmpty;

    @Option(names = "--token-ids-out", paramLabel = "FILE",
            description = "After the run, also write the answers as token-id JSONL {id, tokens, prompt_tokens} (the"
                    + " input of provmark attribute and detect --token-ids), in prompt order; replaced each run.")
    Path tokenIdsOut;

    @Option(names = "--tokenizer", paramLabel = "ID",
            description = "For --token-ids-out: tokenize answers (and prompts) the endpoint returned no ids for"
                    + " (e.g. cl100k_base, hf:qwen3); without it such answers are left out, with a warning.")
    String tokenizerId;

    @Option(names = "--no-raw", description = "Do not store the raw request and response bodies (hashes are kept).")
    boolean noRaw;

    ProbeCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws InterruptedException {
        ProbeSettings settings = settings();
        String key = ctx.env.get(API_KEY_ENV);
        if (key != null && key.isEmpty()) {
            throw CliException.usage(API_KEY_ENV + " is set but empty");
        }
        if (key != null && settings.endpoint().getScheme().equalsIgnoreCase("http") && !isLoopback(settings.endpoint())) {
            ctx.err.println("provmark: warning: sending the API key over plain http to " + settings.endpoint().getHost());
        }
        List<ProbePrompt> prompts = readPrompts(settings.chat());
        TextTokenizer tokenizer = null;
        if (tokenizerId != null) {
            if (tokenIdsOut == null) {
                throw CliException.usage("--tokenizer is only used with --token-ids-out");
            }
            try {
                tokenizer = Tokenizers.byId(tokenizerId);
            } catch (TokenizerException e) {
                throw CliException.usage("--tokenizer: " + e.getMessage());
            }
        }
        if (tokenIdsOut != null && (tokenIdsOut.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))) {
            throw CliException.usage("--token-ids-out must differ from --out");
        }
        Path failures = failuresFile != null ? failuresFile : defaultFailures(out);
        if (failures.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw CliException.usage("--failures must differ from --out");
        }
        Prober prober = new Prober(settings, key);
        Prober.Summary s;
        try (ProbeJournal journal = openJournal()) {
            if (journal.tornBytes() > 0) {
                ctx.err.println("probe: " + out + " ended in a torn record (" + journal.tornBytes()
                        + " bytes, from an interrupted run); cut it off, that prompt is asked again");
            }
            String conflict = prober.conflict(prompts, journal);
            if (conflict != null) {
                throw CliException.badInput(conflict);
            }
            ProgressBar bar = new ProgressBar(ctx, ctx.console != null);
            // Ctrl-C: every answer written so far is fsynced; say how to go on
            Thread hook = new Thread(() -> ctx.err.println(System.lineSeparator() + "probe: interrupted; the answers so far"
                    + " are safe in " + out + ": rerun the same command to resume"), "provmark-probe-interrupt");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                s = prober.run(prompts, journal, bar::update);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook runs
                }
            }
            bar.finish(s.progress());
            if (tokenIdsOut != null) {
                writeTokenIds(prompts, journal, tokenizer);
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "answers file " + out + ": " + e.getMessage(), e);
        }
        writeFailures(failures, s);
        Prober.Progress p = s.progress();
        ctx.out.println("probe: " + (p.resumed() + p.answered()) + "/" + p.total() + " prompts answered in " + out
                + " (" + p.answered() + " now, " + p.resumed() + " earlier), " + p.failed() + " failed, "
                + p.retries() + " retries");
        if (!s.failures().isEmpty()) {
            ctx.out.println("probe: failures listed in " + failures);
        }
        if (s.fatal() != null) {
            ctx.err.println("provmark: error: probe stopped: " + s.fatal());
            return INCOMPLETE;
        }
        if (!s.failures().isEmpty()) {
            ctx.err.println("provmark: error: " + s.failures().size() + " prompt(s) failed, first: "
                    + s.failures().get(0).get("id") + ": " + s.failures().get(0).path("error").asText()
                    + "; rerun the same command to retry them");
            return INCOMPLETE;
        }
        return ExitCodes.OK;
    }

    private ProbeJournal openJournal() {
        try {
            return ProbeJournal.open(out);
        } catch (ProbeJournal.JournalException e) {
            throw CliException.badInput(e.getMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "cannot open answers file " + out + ": " + e.getMessage(), e);
        }
    }

    ProbeSettings settings() {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!m.equals("chat") && !m.equals("completions")) {
            throw CliException.usage("--mode must be chat or completions, got '" + mode + "'");
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw CliException.usage("--endpoint is not a URL: " + e.getMessage());
        }
        if (uri.getUserInfo() != null) {
            throw CliException.usage("--endpoint must not carry credentials; set " + API_KEY_ENV + " instead");
        }
        if (!(timeout > 0 && timeout <= 86_400) || !(backoff >= 0 && backoff <= 3600)
                || !(maxBackoff >= backoff && maxBackoff <= 86_400)) {
            throw CliException.usage("need 0 < --timeout <= 86400, 0 <= --backoff <= --max-backoff <= 86400");
        }
        try {
            return new ProbeSettings(uri, model, m.equals("chat"), concurrency, parseRate(rate), maxRetries,
                    Math.round(timeout * 1000), maxTokens, temperature, topP, seed, logprobs, echo, allowEmpty, !noRaw,
                    Math.round(backoff * 1000), Math.round(maxBackoff * 1000));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    static double parseRate(String r) {
        String s = r.strip();
        if (s.endsWith("/s")) {
            s = s.substring(0, s.length() - 2).strip();
        }
        try {
            double v = Double.parseDouble(s);
            if (!(v >= 0 && v <= 1e6)) {
                throw CliException.usage("--rate must be in 0..1000000 requests per second, got " + r);
            }
            return v;
        } catch (NumberFormatException e) {
            throw CliException.usage("--rate must be a number of requests per second such as 5 or 5/s, got '" + r + "'");
        }
    }

    static Path defaultFailures(Path out) {
        String f = out.getFileName().toString();
        String base = f.endsWith(".jsonl") ? f.substring(0, f.length() - ".jsonl".length()) : f;
        return out.resolveSibling(base + ".failures.jsonl");
    }

    private static boolean isLoopback(URI u) {
        String h = u.getHost();
        return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]") || h.equals("::1");
    }

    /** Parses the prompts file; every line is checked before anything is sent. */
    List<ProbePrompt> readPrompts(boolean chat) {
        String content = Io.readUtf8(ctx, promptsFile, "prompts");
        List<ProbePrompt> prompts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonLines.Line l : JsonLines.objects(content, "prompts " + promptsFile,
                "a JSON object with id and prompt, text or messages")) {
            String where = l.where();
            JsonNode n = l.node();
            JsonNode id = n.get("id");
            if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
                throw CliException.badInput(where + ": \"id\" (a string or an integer) is required");
            }
            JsonNode text = n.has("prompt") ? n.get("prompt") : n.get("text");
            JsonNode messages = n.get("messages");
            if ((text == null) == (messages == null) || n.has("prompt") && n.has("text")) {
                throw CliException.badInput(where + ": need exactly one of \"prompt\", \"text\" and \"messages\"");
            }
            if (text != null && (!text.isTextual() || text.textValue().isBlank())) {
                throw CliException.badInput(where + ": the prompt must be a non-empty string");
            }
            if (messages != null) {
                if (!chat) {
                    throw CliException.badInput(where + ": \"messages\" needs --mode chat");
                }
                if (!messages.isArray() || messages.isEmpty()) {
                    throw CliException.badInput(where + ": \"messages\" must be a non-empty array of {role, content}");
                }
                for (JsonNode m : messages) {
                    if (!m.isObject() || !m.path("role").isTextual() || m.get("content") == null) {
                        throw CliException.badInput(where + ": every message needs a \"role\" and \"content\"");
                    }
                }
            }
            ProbePrompt p = new ProbePrompt(id, text == null ? null : text.textValue(), messages);
            if (!seen.add(p.key())) {
                throw CliException.badInput(where + ": id " + p.key() + " appears twice");
            }
            prompts.add(p);
        }
        if (prompts.isEmpty()) {
            throw CliException.badInput("prompts " + promptsFile + " has no prompts (expected one JSON object per line)");
        }
        return prompts;
    }

    /**
     * Writes the journal's answers to the prompts as token-id JSONL, in prompt order: ids the endpoint returned,
     * else the answer (and a text prompt) tokenized with --tokenizer, else the answer is left out.
     */
    private void writeTokenIds(List<ProbePrompt> prompts, ProbeJournal journal, TextTokenizer tokenizer) {
        StringBuilder sb = new StringBuilder();
        int written = 0;
        int skipped = 0;
        for (ProbePrompt p : prompts) {
            JsonNode r = journal.records().get(p.key());
            if (r == null) {
                continue;
            }
            ObjectNode o = JSON.createObjectNode();
            o.set("id", p.id());
            JsonNode tokens = r.get("answer_tokens");
            JsonNode promptTokens = r.get("prompt_tokens");
            if (tokens == null && tokenizer != null) {
                tokens = ids(tokenizer.encode(r.path("answer").asText("")));
                if (promptTokens == null && p.text() != null) {
                    promptTokens = ids(tokenizer.encode(p.text()));
                }
            }
            if (tokens == null) {
                skipped++;
                continue;
            }
            o.set("tokens", tokens);
            if (promptTokens != null) {
                o.set("prompt_tokens", promptTokens);
            }
            try {
                sb.append(JSON.writeValueAsString(o)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot encode a token-id record", e);
            }
            written++;
        }
        Io.writeFile(tokenIdsOut, sb.toString().getBytes(StandardCharsets.UTF_8), true, "token-id file");
        ctx.out.println("probe: wrote " + written + " answers as token ids to " + tokenIdsOut);
        if (skipped > 0) {
            ctx.err.println("provmark: warning: " + skipped + " answers have no token ids from the endpoint and were"
                    + " left out of " + tokenIdsOut + "; give --tokenizer to tokenize them");
        }
    }

    private static JsonNode ids(int[] ids) {
        com.fasterxml.jackson.databind.node.ArrayNode a = JSON.createArrayNode();
        for (int id : ids) {
            a.add(id);
        }
        return a;
    }

    /** Replaces the failures file with this run's failures (atomically), or removes a stale one. */
    private void writeFailures(Path file, Prober.Summary s) {
        try {
            if (s.failures().isEmpty()) {
                if (s.fatal() == null) {
                    Files.deleteIfExists(file);
                }
                return;
            }
            StringBuilder sb = new StringBuilder();
            for (ObjectNode f : s.failures()) {
                sb.append(JSON.writeValueAsString(f)).append('\n');
            }
            Io.writeFile(file, sb.toString().getBytes(StandardCharsets.UTF_8), true, "failures file");
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "cannot write failures file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The progress bar on standard error: redrawn in place on a terminal, a line every few seconds otherwise. */
    static final class ProgressBar {
        private static final int WIDTH = 24;
        private final CliContext ctx;
        private final boolean terminal;
        private final long interval;
        private long last;

        ProgressBar(CliContext ctx, boolean terminal) {
            this.ctx = ctx;
            this.terminal = terminal;
            this.interval = terminal ? 100_000_000L : 2_000_000_000L;
        }

        synchronized void update(Prober.Progress p) {
            long now = System.nanoTime();
            if (last != 0 && now - last < interval) {
                return;
            }
            last = now;
            draw(p, false);
        }

        synchronized void finish(Prober.Progress p) {
            draw(p, true);
        }

        private void draw(Prober.Progress p, boolean done) {
            int filled = p.total() == 0 ? WIDTH : (int) ((long) p.done() * WIDTH / p.total());
            String line = String.format(Locale.ROOT, "probe [%s%s] %3d%% %d/%d answered, %d failed, %d retries",
                    "#".repeat(filled), ".".repeat(WIDTH - filled),
                    p.total() == 0 ? 100 : (int) ((long) p.done() * 100 / p.total()),
                    p.resumed() + p.answered(), p.total(), p.failed(), p.retries());
            if (terminal) {
                ctx.err.print("\r" + line + (done ? "\n" : ""));
            } else {
                ctx.err.println(line);
            }
            ctx.err.flush();
        }
    }
}
