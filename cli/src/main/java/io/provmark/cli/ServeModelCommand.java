package io.provmark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provmark.cli.serve.FaultSpec;
import io.provmark.cli.serve.OpenAiServer;
import io.provmark.cli.serve.ServedModel;
import io.provmark.core.key.Keyset;
import io.provmark.core.lm.KneserNeyFileException;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark serve-model}: a model behind an OpenAI-compatible HTTP API, optionally watermarked. */
@Command(name = "serve-model",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Serve a Kneser-Ney model over an OpenAI-compatible HTTP API.",
        description = {
            "Serves POST /v1/completions (prompt, max_tokens, temperature, top_p, n, seed, stop, "
                    + "logprobs, echo), POST /v1/chat/completions (messages, rendered to one prompt by the "
                    + "template in docs/probe.md; logprobs, top_logprobs) and GET /v1/models. With "
                    + "--profile and --keyset every answer is watermarked with the profile's key (keyset "
                    + "passphrase from PROVMARK_KEYSET_PASSPHRASE or the terminal).",
            "",
            "If PROVMARK_MODEL_API_KEY is set, every request must send 'Authorization: Bearer <key>'. "
                    + "Errors are OpenAI-style JSON {\"error\": {\"message\", \"type\", ...}} with a 4xx/5xx "
                    + "status. stream: true is answered with server-sent events. --inject-faults makes the "
                    + "server answer some "
                    + "generation requests with 429, 500, a stall, a non-JSON body or an empty answer, "
                    + "deterministically by seed, to test clients such as provmark probe.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark serve-model --model kn3.bin --port 8471",
            "  provmark serve-model --model kn3.bin --profile p.json --keyset k.pmk \\",
            "      --name teacher --inject-faults 429:0.1,500:0.05,timeout:0.02,seed=7",
            "  curl -s http://127.0.0.1:8471/v1/completions -H 'Content-Type: application/json' \\",
            "      -d '{\"model\":\"kn3\",\"prompt\":\"The jury\",\"max_tokens\":20}'"})
final class ServeModelCommand implements Callable<Integer> {
    /** Environment variable holding the API key clients must send (unset: no check). */
    static final String API_KEY_ENV = "PROVMARK_MODEL_API_KEY";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext ctx;

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A Kneser-Ney model file (provmark's format); its tokenizer is the one it was trained with.")
    Path modelFile;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Model id clients send in requests (default: the model file name without extension).")
    String name;

    @Option(names = "--profile", paramLabel = "FILE", description = "Watermark profile (JSON); needs --keyset.")
    Path profileFile;

    @Option(names = "--keyset", paramLabel = "FILE", description = "Keyset holding the profile's key; needs --profile.")
    Path keysetFile;

    @Option(names = "--accounts", paramLabel = "FILE",
            description = "Per-account keys: JSONL {\"account\", \"api_key_sha256\", \"key_id\"}; a request with"
                    + " that account's API key is watermarked with that key of --keyset (see docs/probe.md).")
    Path accountsFile;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8471",
            description = "TCP port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--max-tokens-limit", paramLabel = "N", defaultValue = "4096",
            description = "Largest max_tokens a request may ask for (default ${DEFAULT-VALUE}).")
    int maxTokensLimit;

    @Option(names = "--inject-faults", paramLabel = "SPEC",
            description = "Fault injection for client tests, e.g. 429:0.1,500:0.05,timeout:0.02,malformed:0.01,"
                    + "empty:0.01,seed=7,retry-after=1,stall=30 (see docs/probe.md).")
    String faults;

    ServeModelCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws InterruptedException {
        OpenAiServer server = start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            done.countDown();
        }, "provmark-serve-model-shutdown"));
        done.await();
        return ExitCodes.OK;
    }

    /** Checks the options, loads model (and watermark), starts the server and prints where it listens. */
    OpenAiServer start() {
        if (port < 0 || port > 65535) {
            throw CliException.usage("--port must be 0..65535, got " + port);
        }
        if (maxTokensLimit < 1 || maxTokensLimit > 1_000_000) {
            throw CliException.usage("--max-tokens-limit must be in 1..1000000, got " + maxTokensLimit);
        }
        if ((profileFile == null) != (keysetFile == null)) {
            throw CliException.usage("--profile and --keyset go together: the watermark needs both");
        }
        if (accountsFile != null && profileFile == null) {
            throw CliException.usage("--accounts needs --profile and --keyset: accounts differ by watermark key");
        }
        FaultSpec spec = FaultSpec.NONE;
        if (faults != null) {
            try {
                spec = FaultSpec.parse(faults);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--inject-faults: " + e.getMessage());
            }
        }
        KneserNeyModel model;
        try {
            model = KneserNeyModel.load(modelFile);
        } catch (KneserNeyFileException e) {
            throw CliException.badInput(e.getMessage());
        } catch (IOException e) {
            throw CliException.badInput("cannot read model file " + modelFile + ": " + e.getMessage());
        }
        TextTokenizer tok;
        try {
            tok = Tokenizers.byId(model.tokenizerId());
            model.requireTokenizer(tok);
        } catch (TokenizerException | IllegalArgumentException e) {
            throw CliException.badInput("model file " + modelFile + ": " + e.getMessage());
        }
        Embedder embedder = null;
        String keyId = null;
        int eos = -1;
        Map<String, ServedModel> accounts = new LinkedHashMap<>();
        String served = name != null ? name : defaultName(modelFile);
        if (served.isBlank()) {
            throw CliException.usage("--name must not be blank");
        }
        if (profileFile != null) {
            Profile profile = Profiles.read(ctx, profileFile);
            if (!profile.tokenizer().equals(model.tokenizerId()) || profile.vocabSize() != model.vocabSize()) {
                throw CliException.badInput("wrong profile: profile " + profileFile + " is for tokenizer '"
                        + profile.tokenizer() + "' (" + profile.vocabSize() + " ids) but model " + modelFile
                        + " was trained with '" + model.tokenizerId() + "' (" + model.vocabSize() + " ids)");
            }
            Keyset keyset = Io.openKeyset(ctx, keysetFile);
            embedder = Schemes.create(profile, CalibrateCommand.requireKey(keyset, profile, profileFile, keysetFile))
                    .embedder();
            keyId = profile.keyId();
            eos = profile.eosTokenId();
            if (accountsFile != null) {
                accounts = readAccounts(profile, keyset, served, model, tok);
            }
        }
        OpenAiServer.Config c = new OpenAiServer.Config();
        c.host = host;
        c.port = port;
        c.maxTokensLimit = maxTokensLimit;
        c.faults = spec;
        String key = ctx.env.get(API_KEY_ENV);
        if (key != null && key.isEmpty()) {
            throw CliException.key(API_KEY_ENV + " is set but empty");
        }
        c.apiKey = key;
        c.accounts = accounts;
        OpenAiServer server;
        try {
            server = OpenAiServer.start(new ServedModel(served, model, tok, embedder, eos, keyId), c);
        } catch (RuntimeException e) {
            // Jetty reports a busy port or an unknown host as a runtime exception
            throw new CliException(ExitCodes.INTERNAL, "cannot listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        ctx.out.println("provmark serve-model: '" + served + "' (" + model.tokenizerId() + ", order " + model.order()
                + ") on http://" + host + ":" + server.port() + "/v1, watermark "
                + (keyId == null ? "off" : "on (key id " + keyId + ")") + ", API key "
                + (key == null && accounts.isEmpty() ? "not required" : "required")
                + (accounts.isEmpty() ? "" : ", " + accounts.size() + " accounts with their own keys") + (spec.active() ? ", injecting faults " + spec : ""));
        if (key == null && accounts.isEmpty() && !isLoopback(host)) {
            ctx.err.println("provmark: warning: listening on " + host + " without an API key (set " + API_KEY_ENV + ")");
        }
        ctx.out.flush();
        return server;
    }

    /** Reads --accounts: one model variant per account, watermarked with the account's key. */
    private Map<String, ServedModel> readAccounts(Profile profile, Keyset keyset, String served, KneserNeyModel model,
                                                  TextTokenizer tok) {
        Map<String, ServedModel> out = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (JsonLines.Line l : JsonLines.objects(Io.readUtf8(ctx, accountsFile, "accounts file"),
                "accounts file " + accountsFile, "a JSON object {\"account\", \"api_key_sha256\", \"key_id\"}")) {
            String where = l.where();
            JsonNode n = l.node();
            if (!n.path("account").isTextual() || !n.path("api_key_sha256").isTextual()
                    || !n.path("key_id").isTextual()) {
                throw CliException.badInput(where + ": expected {\"account\", \"api_key_sha256\", \"key_id\"} strings");
            }
            String hash = n.get("api_key_sha256").textValue().toLowerCase(java.util.Locale.ROOT);
            if (!hash.matches("[0-9a-f]{64}")) {
                throw CliException.badInput(where + ": api_key_sha256 must be 64 hex digits (SHA-256 of the API key)");
            }
            String account = n.get("account").textValue();
            if (!names.add(account) || out.containsKey(hash)) {
                throw CliException.badInput(where + ": account '" + account + "' or its API key hash appears twice");
            }
            String kid = n.get("key_id").textValue();
            if (!keyset.contains(kid)) {
                throw CliException.key(where + ": key id '" + kid + "' is not in keyset " + keysetFile);
            }
            Embedder e = Schemes.create(profile.withKeyId(kid), keyset.key(kid)).embedder();
            out.put(hash, new ServedModel(served, model, tok, e, profile.eosTokenId(), kid));
        }
        if (out.isEmpty()) {
            throw CliException.badInput("accounts file " + accountsFile + " lists no accounts");
        }
        return out;
    }

    static String defaultName(Path file) {
        String f = file.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }
}
