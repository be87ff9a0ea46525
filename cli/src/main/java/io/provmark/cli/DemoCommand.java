package io.provmark.cli;

import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.cli.demo.DemoReport;
import io.provmark.cli.demo.DistillationDemo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code provmark demo}: the end-to-end distillation-attribution job on loopback (train a watermarked teacher,
 * let a distiller harvest it through per-account keys, train a distilled and a clean student, probe and
 * attribute both), or with {@code --schemes} the quick embed-and-detect tour of every scheme.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Catch a distilled model end to end, on loopback; no files needed.",
        description = {
            "The main job, on embedded defaults: human text (King James Bible, Genesis to Psalms 119, "
                    + "embedded, r50k_base tokens) trains a Kneser-Ney teacher (order 3) served by "
                    + "serve-model on 127.0.0.1 with one red-green watermark key (gamma 0.25, delta 4) per account cohort (10). "
                    + "A distiller harvests answers through the accounts of 1 cohort with the probe client; "
                    + "a student (Kneser-Ney order 2) trains on 5% teacher answers + 95% human text (--quick: 10%), a clean "
                    + "student on the same human text only. Both are served, probed with our own prompts "
                    + "(disjoint from all training text) and attributed: every cohort key with Holm, "
                    + "20 random-key controls, prompt exclusion on.",
            "",
            "Prints the verdicts (which cohorts, p-values, controls) and where the evidence lies: "
                    + "probe records with request/response SHA-256, token-id answers, attribution JSON, "
                    + "SHA256SUMS. The keyset is written to DIR/keyset.pmk, its generated passphrase to "
                    + "DIR/keyset.passphrase (owner-only; never printed). Exit 0 when the distilled student "
                    + "is attributed to exactly the fed cohorts and the clean one is not; 1 otherwise. "
                    + "Takes about 3 to 6 minutes on 2 cores (--quick: about one).",
            "",
            "--schemes (or --tokens) instead runs the short tour: one watermarked and one plain "
                    + "sequence per scheme from a stand-in Zipf model, detected with a throwaway key.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark demo",
            "  provmark demo --out /tmp/demo --seed 7 --force",
            "  provmark demo --quick",
            "  provmark demo --schemes --tokens 50"})
final class DemoCommand implements Callable<Integer> {
    static final int VOCAB = 50_257;
    static final double ZIPF_EXPONENT = 1.1;
    /** Verdict threshold: a forensic claim wants a very small p, not 0.05. */
    static final double ALPHA = 1e-3;
    private static final int[] PROMPT = {464, 2068, 7586, 21831};

    private final CliContext ctx;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "provmark-demo-out",
            description = "Output directory of the distillation job (created; a non-empty one only with --force)."
                    + " Default ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--force",
            description = "Replace an earlier demo's output in --out (a directory without its demo-summary.json"
                    + " is never deleted).")
    boolean force;

    @Option(names = "--quick", description = "Smaller corpus, fewer and shorter answers (for tests).")
    boolean quick;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed of the corpus split, the fed cohort and the control keys (watermark keys, API"
                    + " keys and the servers' sampling are fresh on every run). Default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--schemes", description = "Run the short embed-and-detect tour of every scheme instead.")
    boolean schemes;

    @Option(names = "--tokens", paramLabel = "N",
            description = "Tokens per sequence of the --schemes tour, 1..10000 (implies --schemes). Default 200.")
    Integer tokensOption;

    int tokens;

    DemoCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (schemes || tokensOption != null) {
            tokens = tokensOption == null ? 200 : tokensOption;
            return schemes();
        }
        // the servers' per-start INFO lines would bury the demo's progress; only if nobody configured logging
        quietLogger("io.javalin");
        quietLogger("org.eclipse.jetty");
        String problem = DistillationDemo.prepareOut(out, force);
        if (problem != null) {
            throw CliException.badInput(problem);
        }
        DistillationDemo.Sizes sizes = quick ? DistillationDemo.Sizes.quick() : DistillationDemo.Sizes.full();
        ctx.out.println("provmark demo: distillation attribution end to end, on loopback (seed " + seed
                + (quick ? ", --quick" : "") + "); output in " + out);
        DistillationDemo.Outcome o = new DistillationDemo(out, seed, sizes, ctx.out).run();
        DemoReport.print(ctx.out, o, sizes);
        if (!o.asExpected()) {
            throw new CliException(ExitCodes.INTERNAL, "demo verdicts are not as expected: " + o.problem());
        }
        return ExitCodes.OK;
    }

    private static void quietLogger(String name) {
        String prop = "org.slf4j.simpleLogger.log." + name;
        if (System.getProperty(prop) == null) {
            System.setProperty(prop, "warn");
        }
    }

    /** The quick tour of the schemes (the demo before the distillation job). */
    private Integer schemes() {
        if (tokens < 1 || tokens > 10_000) {
            throw CliException.usage("--tokens must be in 1..10000, got " + tokens);
        }
        WatermarkKey key = WatermarkKey.generate("demo");
        Generator gen = new Generator(new ZipfLogitsModel(VOCAB, ZIPF_EXPONENT, 2), 1.0);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SCHEME", "WATERMARKED P", "LOG10 P", "UNWATERMARKED P", "LOG10 P", "VERDICT"});
        boolean allOk = true;
        String[] schemes = {RedGreenParams.SCHEME, GumbelParams.SCHEME, SynthIdParams.SCHEME};
        for (int s = 0; s < schemes.length; s++) {
            // defaults: red-green is gamma 0.25, delta 2.0 there
            Profile profile = Profile.defaults(schemes[s], key.id(), "r50k_base", VOCAB);
            WatermarkScheme scheme = Schemes.create(profile, key);
            Detector detector = new Detector(scheme);
            int[] marked = gen.generate(scheme.embedder(), PROMPT, tokens, seed * 31 + s);
            int[] plain = gen.generate(null, PROMPT, tokens, seed * 31 + s + 1_000_003L);
            Evidence em = detector.detect(marked, PROMPT, false);
            Evidence ep = detector.detect(plain, PROMPT, false);
            boolean ok = em.pValue() < ALPHA && ep.pValue() >= ALPHA;
            allOk &= ok;
            rows.add(new String[] {schemes[s], DetectCommand.fmtP(em.pValue(), em.log10PValue()),
                    DetectCommand.fmtLog(em.log10PValue()), DetectCommand.fmtP(ep.pValue(), ep.log10PValue()),
                    DetectCommand.fmtLog(ep.log10PValue()),
                    ok ? "ok: told apart" : em.pValue() >= ALPHA ? "watermark not found (too few tokens?)"
                            : "false alarm on plain text"});
        }
        ctx.out.println("provmark demo: " + tokens + " tokens per sequence; a throwaway in-memory key;");
        ctx.out.println("stand-in Zipf model (vocab " + VOCAB + ", exponent " + ZIPF_EXPONENT + ", temperature 1.0)");
        ctx.out.println();
        Table.print(ctx.out, rows, new boolean[] {false, true, true, true, true, false});
        ctx.out.println();
        ctx.out.println("p is the chance that text written without the key scores this high: tiny for"
                + " watermarked text,");
        ctx.out.println("uniform on (0, 1) for plain text. Verdicts use alpha = " + ALPHA
                + (allOk ? "." : "; by chance 1 plain text in 1000 falls below it, and short sequences"
                + " may carry too little evidence."));
        return ExitCodes.OK;
    }
}
