package io.provmark.corpora.distill;

import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.attribution.ReadingModeAttribution;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The acceptance grid of issue 5: log10 p-value vs number of probe answers for ρ × {same, different student
 * tokenizer} × {closed, reading}, on real text (see {@link RealTextDistillation}). Writes
 * {@code grid.json}, {@code grid.md} and {@code grid.svg} into the output directory:
 * <pre>
 *   scripts/attribution-grid.sh [--out docs/attribution] [options]
 * </pre>
 * Options: {@code --out DIR}, {@code --student-tokenizer ID} (default hf:qwen3, else o200k_base when the
 * Qwen3 file is absent), {@code --student-tokens N}, {@code --answers N}, {@code --answer-tokens N},
 * {@code --reading-texts N}, {@code --controls M}, {@code --threads T}, {@code --seed S},
 * {@code --rhos 0,0.01,...}, {@code --student-order K}.
 */
public final class AttributionGrid {
    private AttributionGrid() {
    }

    record Row(String tokenizer, double rho, String mode, long numScored, double statistic, double log10P,
               List<CorpusAttribution.CurvePoint> curve, int controls, double minControlP, double ksP, String extra,
               double seconds) {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("docs/attribution");
        String studentTok = null;
        int studentTokens = 400_000;
        int answers = 2000;
        int answerTokens = 200;
        int readingTexts = 2000;
        int controls = 20;
        int threads = 2;
        int studentOrder = 4;
        long seed = 1;
        double[] rhos = {0, 0.01, 0.05, 0.2, 1.0};
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--student-tokenizer" -> studentTok = v;
                case "--student-tokens" -> studentTokens = Integer.parseInt(v);
                case "--answers" -> answers = Integer.parseInt(v);
                case "--answer-tokens" -> answerTokens = Integer.parseInt(v);
                case "--reading-texts" -> readingTexts = Integer.parseInt(v);
                case "--controls" -> controls = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--student-order" -> studentOrder = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--rhos" -> {
                    String[] p = v.split(",");
                    rhos = new double[p.length];
                    for (int k = 0; k < p.length; k++) {
                        rhos[k] = Double.parseDouble(p[k]);
                    }
                }
                default -> {
                    System.err.println("unknown option " + a);
                    System.exit(2);
                }
            }
            i++;
        }
        if (studentTok == null) {
            studentTok = Tokenizers.isAvailable("hf:qwen3") ? "hf:qwen3" : "o200k_base";
        }
        long t0 = System.nanoTime();
        TextTokenizer tokA = Tokenizers.byId("cl100k_base");
        TextTokenizer tokB = Tokenizers.byId(studentTok);
        WatermarkKey key = RealTextDistillation.key("teacher", seed);
        RealTextDistillation.Config cfg = new RealTextDistillation.Config("cl100k_base", 3, studentOrder, studentTokens,
                16, 200, readingTexts, answerTokens, threads, seed);
        RealTextDistillation sim = new RealTextDistillation(cfg, tokA, key);
        sim.prepare();
        log(t0, "teacher trained (KN order 3 on Brown train, cl100k_base)");
        sim.generateTeacher();
        log(t0, "teacher answers generated: " + sim.trainingAnswers().size() + " for training + "
                + sim.readingTexts().size() + " held out for reading");
        List<Row> rows = new ArrayList<>();
        for (TextTokenizer tokS : new TextTokenizer[] {tokA, tokB}) {
            String label = tokS == tokA ? "same (" + tokA.id() + ")" : "different (" + tokB.id() + ")";
            for (double rho : rhos) {
                long s0 = System.nanoTime();
                KnStudent student = sim.student(rho, tokS);
                CorpusAttribution.Options opt = new CorpusAttribution.Options(true, 0, controls, seed + 17);
                List<CorpusAttribution.Answer> ans = sim.closedAnswers(student, tokS, answers, seed * 31 + 7);
                CorpusAttribution.Report cr = new CorpusAttribution(sim.profile(), opt)
                        .run(List.of(key), ans, List.of(), null, null, 1e-3);
                rows.add(row(label, rho, "closed", cr, "", s0));
                long s1 = System.nanoTime();
                RealTextDistillation.ReadingInput in = sim.readingInput(student, tokS, readingTexts);
                CorpusAttribution.Report rr = new ReadingModeAttribution(sim.profile(), opt).run(List.of(key), in.texts(),
                        1e-3);
                String extra = tokS == tokA ? "context-excluded " + rr.numPromptIdentities()
                        : String.format(Locale.ROOT, "predictions %d, aligned %d, unaligned %d, not one token %d,"
                                + " context-excluded %d", in.stats().predictions(), in.stats().aligned(),
                                in.stats().unaligned(), in.stats().notOneToken(), rr.numPromptIdentities());
                rows.add(row(label, rho, "reading", rr, extra, s1));
                log(t0, String.format(Locale.ROOT, "%s rho=%.2f closed log10p=%.1f (n=%d, green %.4f)  reading log10p=%.1f"
                        + " (n=%d, green %.4f)", label, rho, cr.main().log10PValue(), cr.main().numScored(),
                        cr.main().statistic(), rr.main().log10PValue(), rr.main().numScored(), rr.main().statistic()));
            }
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        Files.createDirectories(out);
        write(out.resolve("grid.json"), json(cfg, studentTok, controls, answers, rows, minutes));
        write(out.resolve("grid.md"), markdown(cfg, studentTok, controls, answers, rows, minutes));
        write(out.resolve("grid.svg"), svg(rows));
        log(t0, "wrote " + out.resolve("grid.json") + ", grid.md, grid.svg");
    }

    private static Row row(String tok, double rho, String mode, CorpusAttribution.Report r, String extra, long start) {
        double minP = 1;
        double ks = Double.NaN;
        int m = 0;
        if (r.controls() != null) {
            m = r.controls().m();
            for (double p : r.controls().pValues()) {
                minP = Math.min(minP, p);
            }
            ks = r.controls().ks().pValue();
        }
        return new Row(tok, rho, mode, r.main().numScored(), r.main().statistic(), r.main().log10PValue(),
                r.main().curve(), m, minP, ks, extra, (System.nanoTime() - start) / 1e9);
    }

    private static void log(long t0, String msg) {
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, msg);
    }

    private static void write(Path f, String s) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.writeString(tmp, s, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    static String json(RealTextDistillation.Config cfg, String studentTok, int controls, int answers, List<Row> rows,
                       double minutes) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"config\": {\"teacher_tokenizer\": \"").append(cfg.teacherTokenizer())
                .append("\", \"student_tokenizer\": \"").append(studentTok)
                .append("\", \"teacher_order\": ").append(cfg.teacherOrder())
                .append(", \"student_order\": ").append(cfg.studentOrder())
                .append(", \"scheme\": \"red-green gamma=0.25 delta=2 h=1 dedup=prf-input\"")
                .append(", \"student_training_tokens\": ").append(cfg.studentTokens())
                .append(", \"prompt_tokens\": ").append(cfg.promptTokens())
                .append(", \"teacher_answer_tokens\": ").append(cfg.teacherAnswerTokens())
                .append(", \"answers\": ").append(answers)
                .append(", \"answer_tokens\": ").append(cfg.answerTokens())
                .append(", \"reading_texts\": ").append(cfg.readingTexts())
                .append(", \"controls\": ").append(controls)
                .append(", \"seed\": ").append(cfg.seed())
                .append(", \"minutes\": ").append(num(minutes)).append("},\n  \"rows\": [\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append("    {\"student_tokenizer\": \"").append(r.tokenizer()).append("\", \"rho\": ").append(r.rho())
                    .append(", \"mode\": \"").append(r.mode()).append("\", \"num_scored\": ").append(r.numScored())
                    .append(", \"green_fraction\": ").append(num(r.statistic()))
                    .append(", \"log10_p_value\": ").append(num(r.log10P()))
                    .append(", \"controls\": ").append(r.controls())
                    .append(", \"min_control_p_value\": ").append(num(r.minControlP()))
                    .append(", \"ks_p_value\": ").append(num(r.ksP()))
                    .append(", \"notes\": \"").append(r.extra()).append("\"")
                    .append(", \"seconds\": ").append(num(r.seconds()))
                    .append(", \"curve\": [");
            for (int c = 0; c < r.curve().size(); c++) {
                CorpusAttribution.CurvePoint p = r.curve().get(c);
                sb.append(c > 0 ? ", " : "").append("{\"answers\": ").append(p.answers()).append(", \"num_scored\": ")
                        .append(p.numScored()).append(", \"log10_p_value\": ").append(num(p.log10PValue())).append("}");
            }
            sb.append("]}").append(i + 1 < rows.size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    static String markdown(RealTextDistillation.Config cfg, String studentTok, int controls, int answers, List<Row> rows,
                           double minutes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Teacher KN order %d on Brown train (%s), red-green γ=0.25 δ=2 h=1; students"
                        + " KN order %d on %,d tokens (ρ teacher documents, rest Brown test text); closed: %,d answers"
                        + " of %d tokens; reading: %,d held-out watermarked texts of %d tokens; %d random-key controls;"
                        + " seed %d; %.1f minutes.%n%n", cfg.teacherOrder(), cfg.teacherTokenizer(), cfg.studentOrder(),
                cfg.studentTokens(), answers, cfg.answerTokens(), cfg.readingTexts(), cfg.teacherAnswerTokens(), controls,
                cfg.seed(), minutes));
        List<Integer> cols = new ArrayList<>();
        for (CorpusAttribution.CurvePoint p : rows.get(0).curve()) {
            if (Integer.bitCount(p.answers()) == 1 && p.answers() >= 16 || p == rows.get(0).curve()
                    .get(rows.get(0).curve().size() - 1)) {
                cols.add(p.answers());
            }
        }
        sb.append("| student tokenizer | ρ | mode |");
        for (int c : cols) {
            sb.append(' ').append(String.format(Locale.ROOT, "%,d", c)).append(" |");
        }
        sb.append(" scored | green | min control p | notes |\n|---|---|---|");
        sb.append("---:|".repeat(cols.size())).append("---:|---:|---:|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.tokenizer()).append(" | ").append(rho(r.rho()))
                    .append(" | ").append(r.mode()).append(" |");
            for (int c : cols) {
                String cell = "—";
                for (CorpusAttribution.CurvePoint p : r.curve()) {
                    if (p.answers() == c) {
                        cell = String.format(Locale.ROOT, "%.1f", p.log10PValue());
                    }
                }
                sb.append(' ').append(cell).append(" |");
            }
            sb.append(String.format(Locale.ROOT, " %,d | %.4f | %.3g | %s |%n", r.numScored(), r.statistic(),
                    r.minControlP(), r.extra()));
        }
        sb.append("\nCells: log10 p-value after that many answers (closed) or texts (reading); the columns are the"
                + " cumulative curve's checkpoints.\n");
        return sb.toString();
    }

    static String rho(double rho) {
        return rho == 0 ? "0 (clean)" : new java.math.BigDecimal(Double.toString(rho * 100)).stripTrailingZeros()
                .toPlainString() + "%";
    }

    static String svg(List<Row> rows) {
        int w = 900;
        int h = 520;
        int left = 70;
        int right = 250;
        int top = 30;
        int bottom = 50;
        double maxX = 1;
        double minY = -1;
        for (Row r : rows) {
            for (CorpusAttribution.CurvePoint p : r.curve()) {
                maxX = Math.max(maxX, p.answers());
                minY = Math.min(minY, Math.max(p.log10PValue(), -60));
            }
        }
        double lx = Math.log10(maxX);
        double fx = (w - left - right) / lx;
        double fy = (h - top - bottom) / -minY;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"11\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">log10 p-value vs answers/texts"
                + " (clipped at -60); dashed: reading mode; grey line: p = 1e-6</text>%n", left));
        int x0 = left;
        int y0 = h - bottom;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, y0,
                w - right, y0));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, top,
                x0, y0));
        for (int e = 0; e <= (int) lx; e++) {
            double x = x0 + e * fx;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", x,
                    y0 + 15, (int) Math.pow(10, e)));
        }
        for (int v = 0; v >= minY; v -= 10) {
            double y = top + (-v) * fy;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>%n", x0 - 5,
                    y + 4, v));
        }
        double y6 = top + 6 * fy;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#aaa\"/>%n", x0, y6,
                w - right, y6));
        String[] colors = {"#888888", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e"};
        int legend = 0;
        List<Double> rhoOrder = new ArrayList<>();
        for (Row r : rows) {
            if (!rhoOrder.contains(r.rho())) {
                rhoOrder.add(r.rho());
            }
        }
        for (Row r : rows) {
            String color = colors[rhoOrder.indexOf(r.rho()) % colors.length];
            boolean diff = r.tokenizer().startsWith("different");
            StringBuilder pts = new StringBuilder();
            for (CorpusAttribution.CurvePoint p : r.curve()) {
                double x = x0 + Math.log10(p.answers()) * fx;
                double y = top + (-Math.max(p.log10PValue(), -60)) * fy;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"%s\"/>%n",
                    color, diff ? "1" : "2.5", r.mode().equals("reading") ? " stroke-dasharray=\"5,3\"" : "", pts.toString().trim()));
            int ly = top + 14 * legend++;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"%s/>"
                    + "<text x=\"%d\" y=\"%d\">ρ=%s %s %s</text>%n", w - right + 10, ly, w - right + 35, ly, color,
                    diff ? "1" : "2.5", r.mode().equals("reading") ? " stroke-dasharray=\"5,3\"" : "", w - right + 40, ly + 4,
                    rho(r.rho()), diff ? "diff-tok" : "same-tok", r.mode()));
        }
        return sb.append("</svg>\n").toString();
    }
}
