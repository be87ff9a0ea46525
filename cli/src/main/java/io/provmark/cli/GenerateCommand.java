package io.provmark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.key.Keyset;
import io.provmark.core.lm.KneserNeyFileException;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.NextTokenModel;
import io.provmark.core.lm.OnnxModelException;
import io.provmark.core.lm.OnnxNextTokenModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark generate}: watermarked text from the built-in Kneser-Ney model or an ONNX causal LM. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Generate watermarked answers with a Kneser-Ney n-gram model or an ONNX causal LM.",
        description = {
            "Continue every prompt with the model, watermarked with the profile and key. "
                    + "At each step the model's logits are divided by the temperature, then top-k "
                    + "and top-p truncate them to a candidate set, and only then is the watermark "
                    + "applied: the scheme picks the token from the truncated candidate set "
                    + "(Embedder.step with candidates). Without --top-k/--top-p the scheme sees the "
                    + "whole vocabulary. Generation stops after --max-tokens or at the profile's "
                    + "eos token.",
            "",
            "Prompts are JSONL: {\"id\": ..., \"text\": \"...\"} (tokenized with the profile's "
                    + "tokenizer) or {\"id\": ..., \"tokens\": [...]}. The output is JSONL "
                    + "{\"id\", \"prompt_tokens\", \"tokens\", \"text\"}, written atomically. The same "
                    + "seed gives the same answers; progress goes to standard error.",
            "",
            "--model FILE: a file ending in .onnx is an ONNX causal LM run by ONNX Runtime "
                    + "(input int64 input_ids [batch, sequence], optional attention_mask and "
                    + "position_ids, output float32 logits [batch, sequence, vocabulary]; its "
                    + "vocabulary must equal the profile's vocab_size). Any other file is a "
                    + "provmark Kneser-Ney model, which must have been trained with the profile's "
                    + "tokenizer. The profile's tokenizer must match its tokenizer_sha256. Ids the "
                    + "tokenizer has no token for (unassigned ids, an output layer's padding) get "
                    + "logit -infinity and are never sampled.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark generate --profile p.json --keyset k.pmk --model kn3.bin \\",
            "      --prompts prompts.jsonl --out answers.jsonl",
            "  provmark generate --profile p.json --keyset k.pmk --model kn3.bin \\",
            "      --prompts p.jsonl --out a.jsonl --max-tokens 200 --top-k 50 --seed 7",
            "  provmark generate --profile qwen3.json --keyset k.pmk --model qwen3.onnx \\",
            "      --prompts p.jsonl --out a.jsonl --onnx-max-context 512"})
final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Minimum time between two progress lines. */
    private static final long PROGRESS_NANOS = 2_000_000_000L;

    private final CliContext ctx;

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "The watermark profile (JSON).")
    Path profileFile;

    @Option(names = "--keyset", required = true, paramLabel = "FILE",
            description = "The keyset holding the profile's key (passphrase from PROVMARK_KEYSET_PASSPHRASE or"
                    + " the terminal).")
    Path keysetFile;

    @Option(names = "--model", required = true, paramLabel = "FILE",
            description = "A Kneser-Ney model file trained with the profile's tokenizer, or an ONNX causal LM"
                    + " (a file name ending in .onnx).")
    Path modelFile;

    @Option(names = "--onnx-input", paramLabel = "NAME", defaultValue = "input_ids",
            description = "ONNX: name of the int64 token id input (default ${DEFAULT-VALUE}).")
    String onnxInput;

    @Option(names = "--onnx-logits", paramLabel = "NAME", defaultValue = "logits",
            description = "ONNX: name of the float32 logits output (default ${DEFAULT-VALUE}).")
    String onnxLogits;

    @Option(names = "--onnx-max-context", paramLabel = "N", defaultValue = "2048",
            description = "ONNX: feed at most the last N tokens (no key/value cache: each step runs the whole"
                    + " context; default ${DEFAULT-VALUE}).")
    int onnxMaxContext;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompts, JSONL with id and text or tokens.")
    Path promptsFile;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the answers (JSONL).")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "200",
            description = "Tokens to generate per prompt (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Softmax temperature in (0, 100] (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0",
            description = "Nucleus sampling: keep the most likely tokens up to mass P, in (0, 1]"
                    + " (default ${DEFAULT-VALUE}: off).")
    double topP;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Keep only the K most likely tokens (default ${DEFAULT-VALUE}: off).")
    int topK;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the sampling randomness (default ${DEFAULT-VALUE}).")
    long seed;

    GenerateCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (maxTokens < 1 || maxTokens > 1_000_000) {
            throw CliException.usage("--max-tokens must be in 1..1000000, got " + maxTokens);
        }
        if (!(temperature > 0 && temperature <= 100)) {
            throw CliException.usage("--temperature must be in (0, 100], got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw CliException.usage("--top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw CliException.usage("--top-k must be >= 0 (0 = off), got " + topK);
        }
        if (!force && Files.exists(out)) {
            throw CliException.badInput("answers file " + out + " already exists; use --force to replace it");
        }
        if (onnxMaxContext < 1) {
            throw CliException.usage("--onnx-max-context must be >= 1, got " + onnxMaxContext);
        }
        boolean onnx = isOnnx(modelFile);
        if (!onnx && (!"input_ids".equals(onnxInput) || !"logits".equals(onnxLogits) || onnxMaxContext != 2048)) {
            throw CliException.usage("--onnx-input, --onnx-logits and --onnx-max-context apply only to an .onnx --model");
        }
        Profile profile = Profiles.read(ctx, profileFile);
        TextTokenizer tok = Tokenizers.forProfile(ctx, profile, profileFile,
                "generate decodes answers with the profile's tokenizer");
        String content = Io.readUtf8(ctx, promptsFile, "prompts");
        List<CalibrateCommand.Doc> prompts = CalibrateCommand.readDocs(content, promptsFile, "prompts", profile, "text");
        NextTokenModel model = onnx ? loadOnnx(profile) : loadKneserNey(profile, tok);
        try {
            if (onnx) {
                for (CalibrateCommand.Doc d : prompts) {
                    if (d.tokens().length == 0) {
                        throw CliException.badInput("prompts " + promptsFile + ": prompt " + d.id() + " has no tokens;"
                                + " an ONNX causal LM needs at least one context token");
                    }
                }
            }
            return run(profile, tok, prompts, model);
        } finally {
            if (model instanceof OnnxNextTokenModel) {
                ((OnnxNextTokenModel) model).close();
            }
        }
    }

    static boolean isOnnx(Path file) {
        Path name = file.getFileName();
        return name != null && name.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx");
    }

    private NextTokenModel loadKneserNey(Profile profile, TextTokenizer tok) {
        KneserNeyModel model;
        try {
            model = KneserNeyModel.load(modelFile, tok);
        } catch (KneserNeyFileException e) {
            throw CliException.badInput(e.getMessage());
        } catch (IOException e) {
            throw CliException.badInput("cannot read model file " + modelFile + ": " + e.getMessage());
        }
        if (model.vocabSize() != profile.vocabSize()) {
            throw CliException.badInput("model " + modelFile + " has " + model.vocabSize()
                    + " token ids but profile " + profileFile + " has vocab_size " + profile.vocabSize());
        }
        return model;
    }

    private NextTokenModel loadOnnx(Profile profile) {
        OnnxNextTokenModel.Options o = new OnnxNextTokenModel.Options(onnxInput,
                OnnxNextTokenModel.Options.DEFAULT.attentionMask(), OnnxNextTokenModel.Options.DEFAULT.positionIds(),
                onnxLogits, onnxMaxContext);
        OnnxNextTokenModel m;
        try {
            m = OnnxNextTokenModel.load(modelFile, o);
        } catch (OnnxModelException e) {
            throw CliException.badInput(e.getMessage());
        }
        try {
            m.requireVocabSize(profile.vocabSize());
        } catch (OnnxModelException e) {
            m.close();
            throw CliException.badInput(e.getMessage() + " (profile " + profileFile + ")");
        }
        return m;
    }

    private int run(Profile profile, TextTokenizer tok, List<CalibrateCommand.Doc> prompts, NextTokenModel model) {
        Keyset keyset = Io.openKeyset(ctx, keysetFile);
        Embedder embedder = Schemes.create(profile,
                CalibrateCommand.requireKey(keyset, profile, profileFile, keysetFile)).embedder();

        // ids the tokenizer cannot decode: unassigned gaps (cl100k_base has 16) and an output layer's padding
        int[] noToken = Generator.idsWithoutToken(tok, model.vocabSize());
        SplittableRandom master = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        long start = System.nanoTime();
        long lastReport = start;
        long generated = 0;
        for (int p = 0; p < prompts.size(); p++) {
            CalibrateCommand.Doc d = prompts.get(p);
            int[] answer;
            try {
                answer = generate(model, noToken, embedder, d.tokens(), profile.eosTokenId(), master.split());
            } catch (OnnxModelException e) {
                throw CliException.badInput("prompt " + d.id() + ": " + e.getMessage());
            }
            generated += answer.length;
            ObjectNode o = JSON.createObjectNode();
            if (d.id() instanceof String) {
                o.put("id", (String) d.id());
            } else {
                o.put("id", (Long) d.id());
            }
            ArrayNode pt = o.putArray("prompt_tokens");
            Arrays.stream(d.tokens()).forEach(pt::add);
            ArrayNode at = o.putArray("tokens");
            Arrays.stream(answer).forEach(at::add);
            o.put("text", tok.decode(answer));
            try {
                sb.append(JSON.writeValueAsString(o)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write JSON output", e);
            }
            long now = System.nanoTime();
            if (now - lastReport >= PROGRESS_NANOS || p == prompts.size() - 1) {
                lastReport = now;
                double secs = Math.max(1e-9, (now - start) / 1e9);
                ctx.err.printf(java.util.Locale.ROOT, "generate: %d/%d prompts, %d tokens, %.0f tokens/s%n",
                        p + 1, prompts.size(), generated, generated / secs);
            }
        }
        Io.writeFile(out, sb.toString().getBytes(StandardCharsets.UTF_8), true, "answers file");
        ctx.out.println("wrote " + prompts.size() + " answers (" + generated + " tokens) to " + out);
        return ExitCodes.OK;
    }

    /** {@code noToken}: ids without a token, given logit -infinity so that they are never sampled. */
    private int[] generate(NextTokenModel model, int[] noToken, Embedder embedder, int[] prompt, int eos,
                           SplittableRandom rnd) {
        return new Generator(model, temperature, noToken, topK, topP).generate(embedder, prompt, maxTokens, rnd, eos);
    }

    /** Top-k then top-p on the (temperature-scaled) logits; returns the candidate count, most likely first. */
    int truncate(float[] logits, long[] order, int[] cand, float[] candLogits) {
        return Generator.truncate(logits, logits.length, topK, topP, order, cand, candLogits);
    }
}
