package io.provmark.cli;

import io.provmark.corpora.eval.EvalConfig;
import io.provmark.corpora.eval.EvalException;
import io.provmark.corpora.eval.EvalHarness;
import io.provmark.corpora.eval.EvalReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark eval}: the robustness evaluation, every scheme × attack, with tables and plots. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Evaluate every watermark scheme against every attack (tables + plots).",
        description = {
            "Generate watermarked answers to Brown test prompts with the built-in Kneser-Ney "
                    + "model, apply each configured attack (deletion, substitution, synonyms, "
                    + "insertion, cropping, copy-paste into human text, case/whitespace/homoglyph "
                    + "edits, paraphrase-like rewrite, sentence shuffle), and detect with each scheme. "
                    + "Writes README.md (the scheme x attack tables: TPR at FPR 1e-2/1e-3/1e-4 from "
                    + "exact p-values next to the realised FPR on human text, ROC AUC, median p vs "
                    + "length, perplexity), results.json and SVG plots (ROC curves, p-value vs "
                    + "tokens, score histograms) into --out.",
            "",
            "Needs the corpora and WordNet of scripts/fetch-corpora.sh. The config is JSON "
                    + "(docs/eval.md); without --config the built-in eval/default.json is used. "
                    + "--quick applies the config's \"quick\" overrides (a run of seconds). "
                    + "Progress goes to standard error. Keys are derived from the config's seed so "
                    + "the run is reproducible; they are never printed.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark eval --out docs/eval/",
            "  provmark eval --config eval.json --out /tmp/eval --quick --threads 2"})
final class EvalCommand implements Callable<Integer> {
    static final String DEFAULT_CONFIG = "/eval/default.json";

    private final CliContext ctx;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Evaluation config (JSON); default: the built-in eval/default.json.")
    Path configFile;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory for README.md, results.json and the SVG plots (created if needed;"
                    + " files of the same names are replaced).")
    Path out;

    @Option(names = "--quick", description = "Apply the config's \"quick\" overrides: a small run for tests.")
    boolean quick;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads (default: the config's threads; 0 there = all processors).")
    Integer threads;

    EvalCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw CliException.usage("--threads must be in 1..1024, got " + threads);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw CliException.badInput("--out " + out + " exists and is not a directory");
        }
        String json;
        String source;
        if (configFile != null) {
            json = Io.readUtf8(ctx, configFile, "config");
            source = configFile.toString();
        } else {
            try (InputStream in = EvalCommand.class.getResourceAsStream(DEFAULT_CONFIG)) {
                if (in == null) {
                    throw new IllegalStateException("built-in config " + DEFAULT_CONFIG + " missing from the classpath");
                }
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the built-in config", e);
            }
            source = "eval/default.json (built-in)";
        }
        EvalConfig cfg;
        try {
            cfg = EvalConfig.parse(json, source, quick);
            if (threads != null) {
                cfg = cfg.withThreads(threads);
            }
        } catch (EvalException e) {
            throw CliException.badInput(e.getMessage());
        }
        String command = "provmark eval" + (configFile != null ? " --config " + configFile : "") + " --out " + out
                + (quick ? " --quick" : "");
        EvalHarness.Result result;
        try {
            result = new EvalHarness(cfg, ctx.err).run();
        } catch (EvalException e) {
            throw CliException.badInput(e.getMessage());
        } catch (IOException e) {
            throw CliException.badInput("cannot read the corpora: " + e.getMessage());
        }
        Map<String, String> files = EvalReport.render(result, command);
        List<Path> written;
        try {
            written = EvalReport.write(files, out);
        } catch (IOException e) {
            throw new CliException(ExitCodes.INTERNAL, "cannot write the results to " + out + ": " + e.getMessage(), e);
        }
        ctx.out.println(String.format(Locale.ROOT, "wrote %d files to %s (%d schemes x %d attacks, %.0f s)",
                written.size(), out, cfg.schemes().size(), cfg.attacks().size(), result.seconds()));
        return ExitCodes.OK;
    }
}
