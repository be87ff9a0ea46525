package io.provmark.corpora;

import io.provmark.core.detect.Detector;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * Acceptance 3, the power table: for each scheme, text length and entropy level, the median
 * p-value of watermarked generations of {@link ZipfLogitsModel} (log10 median p) and the fraction
 * detected at p &lt; 1e-3. Each (scheme, entropy, seed) generates one text after a random 4-token
 * prompt under its own key; the detector scores its first 25, 50, 100, 200 tokens (prompt as
 * context, default profile rules: dedup on PRF inputs, prompt exclusion on). Deterministic: the
 * same options give the same table on every machine, however many threads.
 *
 * <p>Keys come from a seeded generator so that the table can be regenerated; real keys come from
 * {@link WatermarkKey#generate}.
 *
 * <pre>
 * usage: PowerTable [OUTPUT.md] [--seeds N] [--vocab V] [--lengths 25,50,100,200]
 *                   [--exponents 1.1,1.5,2.5] [--threads T]
 * </pre>
 * Without OUTPUT the table goes to standard output.
 */
public final class PowerTable {
    /** Detection threshold for the "detected" column. */
    public static final double DETECT_P = 1e-3;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One row of the table: a scheme configuration. */
    public enum Row {
        RED_GREEN("red-green γ=0.25 δ=2, left-hash h=1", new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 1),
        RED_GREEN_SELF("red-green γ=0.25 δ=2, self-hash h=2", new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.SELF_HASH), 2),
        UNIGRAM("Unigram γ=0.25 δ=2 (h=0)", new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH), 0),
        GUMBEL("gumbel h=2", new GumbelParams(0), 2),
        SYNTHID("synthid depth 30, weighted mean, h=3",
                new SynthIdParams(30, SynthIdParams.defaultWeights(30), SynthIdParams.Score.WEIGHTED_MEAN, 0), 3);

        final String label;
        final SchemeParams params;
        final int h;

        Row(String label, SchemeParams params, int h) {
            this.label = label;
            this.params = params;
            this.h = h;
        }
    }

    /** Options of one run. */
    public record Options(int seeds, int vocab, int[] lengths, double[] exponents, int threads) {
        public Options {
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
            }
            if (vocab < 16) {
                throw new IllegalArgumentException("--vocab must be >= 16, got " + vocab);
            }
            if (lengths.length == 0 || Arrays.stream(lengths).anyMatch(l -> l < 1)) {
                throw new IllegalArgumentException("--lengths must be positive token counts");
            }
            if (exponents.length == 0) {
                throw new IllegalArgumentException("--exponents must not be empty");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            }
            lengths = lengths.clone();
            Arrays.sort(lengths);
            exponents = exponents.clone();
        }

        public static Options defaults() {
            return new Options(100, 50_257, new int[] {25, 50, 100, 200}, new double[] {1.1, 1.5, 2.5},
                    Runtime.getRuntime().availableProcessors());
        }

        int maxLength() {
            return lengths[lengths.length - 1];
        }
    }

    /** Median log10 p and detected fraction of one cell. */
    public record Cell(double log10MedianP, double detectedFraction) {
    }

    /** The measured table: cells[exponent][row][length]. */
    public record Result(Options options, double[] entropyNats, Cell[][][] cells, double seconds, double cpuSeconds) {
    }

    private PowerTable() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.defaults();
        String out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--seeds":
                    o = new Options(Integer.parseInt(value(args, ++i, a)), o.vocab(), o.lengths(), o.exponents(), o.threads());
                    break;
                case "--vocab":
                    o = new Options(o.seeds(), Integer.parseInt(value(args, ++i, a)), o.lengths(), o.exponents(), o.threads());
                    break;
                case "--lengths":
                    o = new Options(o.seeds(), o.vocab(), Arrays.stream(value(args, ++i, a).split(","))
                            .mapToInt(s -> Integer.parseInt(s.trim())).toArray(), o.exponents(), o.threads());
                    break;
                case "--exponents":
                    o = new Options(o.seeds(), o.vocab(), o.lengths(), Arrays.stream(value(args, ++i, a).split(","))
                            .mapToDouble(s -> Double.parseDouble(s.trim())).toArray(), o.threads());
                    break;
                case "--threads":
                    o = new Options(o.seeds(), o.vocab(), o.lengths(), o.exponents(), Integer.parseInt(value(args, ++i, a)));
                    break;
                default:
                    if (a.startsWith("--") || out != null) {
                        throw new IllegalArgumentException("unknown argument '" + a + "'");
                    }
                    out = a;
            }
        }
        Result r = run(o);
        String md = markdown(r);
        if (out == null) {
            System.out.print(md);
        } else {
            Path p = Path.of(out).toAbsolutePath();
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, md, StandardCharsets.UTF_8);
            System.out.printf(Locale.ROOT, "power table written to %s (%.0f s wall, %.0f s CPU)%n", p, r.seconds(),
                    r.cpuSeconds());
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** A reproducible 256-bit key for (row, exponent index, seed): table runs only. */
    static WatermarkKey key(Row row, int exponentIndex, int seed) {
        SplittableRandom r = new SplittableRandom(0x5EED_0000L + 1_000_003L * row.ordinal() + 10_007L * exponentIndex + seed);
        byte[] b = new byte[32];
        r.nextBytes(b);
        return new WatermarkKey("power-" + row.ordinal() + "-" + exponentIndex + "-" + seed, b, 0);
    }

    /** log10 p at each length for one generated text. */
    static double[] oneText(Options o, ZipfLogitsModel model, Row row, int exponentIndex, int seed) {
        WatermarkKey key = key(row, exponentIndex, seed);
        Profile profile = new Profile(row.params.scheme(), row.params, ProvmarkPrf.ID, row.h, "none", o.vocab(), key.id(),
                DedupRule.PRF_INPUT, false, -1);
        WatermarkScheme scheme = Schemes.create(profile, key);
        SplittableRandom r = new SplittableRandom(seed * 7919L + exponentIndex);
        int[] prompt = new int[4];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = r.nextInt(o.vocab());
        }
        int[] text = new Generator(model, 1.0).generate(scheme.embedder(), prompt, o.maxLength(), r.nextLong());
        Detector d = new Detector(scheme);
        double[] out = new double[o.lengths().length];
        for (int j = 0; j < out.length; j++) {
            out[j] = d.detect(Arrays.copyOf(text, o.lengths()[j]), prompt, false).log10PValue();
        }
        return out;
    }

    public static Result run(Options o) throws InterruptedException, ExecutionException {
        long t0 = System.nanoTime();
        Row[] rows = Row.values();
        int e = o.exponents().length;
        ZipfLogitsModel[] models = new ZipfLogitsModel[e];
        double[] entropy = new double[e];
        for (int i = 0; i < e; i++) {
            models[i] = new ZipfLogitsModel(o.vocab(), o.exponents()[i], 2);
            entropy[i] = models[i].entropyNats();
        }
        LongAdder cpuNanos = new LongAdder();
        ExecutorService pool = Executors.newFixedThreadPool(o.threads());
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int x = 0; x < e; x++) {
                for (Row row : rows) {
                    for (int s = 0; s < o.seeds(); s++) {
                        int xi = x;
                        int si = s;
                        futures.add(pool.submit(() -> {
                            long c0 = THREADS.getCurrentThreadCpuTime();
                            double[] v = oneText(o, models[xi], row, xi, si);
                            cpuNanos.add(THREADS.getCurrentThreadCpuTime() - c0);
                            return v;
                        }));
                    }
                }
            }
            Cell[][][] cells = new Cell[e][rows.length][o.lengths().length];
            int f = 0;
            for (int x = 0; x < e; x++) {
                for (int ri = 0; ri < rows.length; ri++) {
                    double[][] byLength = new double[o.lengths().length][o.seeds()];
                    for (int s = 0; s < o.seeds(); s++) {
                        double[] v = futures.get(f++).get();
                        for (int j = 0; j < v.length; j++) {
                            byLength[j][s] = v[j];
                        }
                    }
                    for (int j = 0; j < o.lengths().length; j++) {
                        cells[x][ri][j] = cell(byLength[j]);
                    }
                }
            }
            return new Result(o, entropy, cells, (System.nanoTime() - t0) / 1e9, cpuNanos.sum() / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Median of the log10 p-values (the log of the median p; mean of the middle two when even). */
    static Cell cell(double[] log10p) {
        double[] v = log10p.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        double lim = Math.log10(DETECT_P);
        long detected = Arrays.stream(v).filter(x -> x < lim).count();
        return new Cell(median, (double) detected / n);
    }

    public static String markdown(Result r) {
        Options o = r.options();
        StringBuilder sb = new StringBuilder();
        sb.append("<!-- generated by io.provmark.corpora.PowerTable; do not edit by hand -->\n\n");
        sb.append(String.format(Locale.ROOT, "Watermarked generations of `ZipfLogitsModel(%d, s, 2)` at temperature 1, %d texts "
                + "(seeds) per cell, each after a random 4-token prompt and under its own key; the detector scores the first "
                + "N tokens with the default rules (dedup on PRF inputs, prompt exclusion). Each cell: **log10 of the median "
                + "p-value** / fraction of texts detected at p < %s. Entropy is that of the model's next-token "
                + "distribution, in nats per step (the same after every context).%n%n", o.vocab(), o.seeds(),
                formatP(DETECT_P)));
        Row[] rows = Row.values();
        for (int x = 0; x < o.exponents().length; x++) {
            sb.append(String.format(Locale.ROOT, "#### Zipf exponent %s: %.2f nats per step (%s entropy)%n%n",
                    trim(o.exponents()[x]), r.entropyNats()[x], level(r.entropyNats()[x])));
            sb.append("| scheme |");
            for (int len : o.lengths()) {
                sb.append(' ').append(len).append(" tokens |");
            }
            sb.append('\n').append("|---|");
            for (int j = 0; j < o.lengths().length; j++) {
                sb.append("---|");
            }
            sb.append('\n');
            for (int ri = 0; ri < rows.length; ri++) {
                sb.append("| ").append(rows[ri].label).append(" |");
                for (int j = 0; j < o.lengths().length; j++) {
                    Cell c = r.cells()[x][ri][j];
                    sb.append(String.format(Locale.ROOT, " %.1f / %.2f |", c.log10MedianP(), c.detectedFraction()));
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "Run: vocab %d, %d seeds, %d threads, %.0f s wall, %.0f s CPU.%n", o.vocab(),
                o.seeds(), o.threads(), r.seconds(), r.cpuSeconds()));
        return sb.toString();
    }

    private static String level(double nats) {
        return nats >= 5 ? "high" : nats >= 2 ? "medium" : "low";
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String formatP(double p) {
        return String.format(Locale.ROOT, "%.0e", p).replace("e-0", "e-");
    }
}
