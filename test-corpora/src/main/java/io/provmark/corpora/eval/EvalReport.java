package io.provmark.corpora.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.stats.ExactBinomialTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an evaluation's results: {@code results.json}, {@code README.md} (the scheme × attack tables) and per
 * scheme {@code roc-NAME.svg}, {@code pvalue-NAME.svg}, {@code hist-NAME.svg}. Every file is written to a
 * temporary name and renamed once all of them are ready, so a failed run leaves the old results in place.
 */
public final class EvalReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LN10 = Math.log(10);

    private EvalReport() {
    }

    /** File name → content of every output file. */
    public static Map<String, String> render(EvalHarness.Result r, String command) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("results.json", json(r, command));
        files.put("README.md", markdown(r, command));
        for (EvalHarness.SchemeResult s : r.schemes()) {
            files.put("roc-" + s.spec().name() + ".svg", rocPlot(s));
            files.put("pvalue-" + s.spec().name() + ".svg", pvaluePlot(s, r.config().lengths()));
            files.put("hist-" + s.spec().name() + ".svg", histograms(s));
        }
        return files;
    }

    /** Writes the files into {@code dir} (created if needed), all or nothing as far as renames allow. */
    public static List<Path> write(Map<String, String> files, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> tmp = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : files.entrySet()) {
                Path t = Files.createTempFile(dir, "." + e.getKey() + "-", ".tmp");
                tmp.add(t);
                Files.writeString(t, e.getValue(), StandardCharsets.UTF_8);
            }
            List<Path> out = new ArrayList<>();
            int i = 0;
            for (String name : files.keySet()) {
                Path target = dir.resolve(name);
                Files.move(tmp.get(i++), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                out.add(target);
            }
            return out;
        } finally {
            for (Path t : tmp) {
                Files.deleteIfExists(t);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- JSON

    static String json(EvalHarness.Result r, String command) {
        EvalConfig c = r.config();
        ObjectNode root = JSON.createObjectNode();
        root.put("report", "provmark-eval-v1");
        root.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("command", command);
        root.put("seconds", round(r.seconds(), 1));
        ObjectNode m = root.putObject("machine");
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("load_average_start", round(r.loadAverageStart(), 2));
        m.put("load_average_end", round(r.loadAverageEnd(), 2));
        ObjectNode settings = root.putObject("settings");
        settings.put("tokenizer", c.tokenizer());
        settings.put("kn_order", c.knOrder());
        settings.put("seed", c.seed());
        settings.put("prompts", c.prompts());
        settings.put("prompt_tokens", c.promptTokens());
        settings.put("max_tokens", c.maxTokens());
        settings.put("temperature", c.temperature());
        settings.put("top_k", c.topK());
        settings.put("human_brown", c.humanBrown());
        settings.put("human_kjv", c.humanKjv());
        settings.put("train_units", c.trainUnits());
        ArrayNode ls = settings.putArray("lengths");
        c.lengths().forEach(ls::add);
        ObjectNode data = root.putObject("data");
        for (Map.Entry<String, Object> e : r.data().entrySet()) {
            data.set(e.getKey(), JSON.valueToTree(e.getValue()));
        }
        ObjectNode q = root.putObject("perplexity_reference");
        q.put("human_brown_test", round(ppl(r.humanPerplexity().nll(), r.humanPerplexity().nllTokens()), 1));
        q.put("unwatermarked_generation", round(ppl(r.unwatermarkedNll(), r.unwatermarkedTokens()), 1));
        ArrayNode schemes = root.putArray("schemes");
        for (EvalHarness.SchemeResult s : r.schemes()) {
            ObjectNode so = schemes.addObject();
            so.put("name", s.spec().name());
            so.put("label", s.spec().label());
            try {
                so.set("profile", JSON.readTree(ProfileJson.write(s.profile())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("profile JSON", e);
            }
            so.put("seconds", round(s.seconds(), 1));
            so.set("human_null", nullJson(s.human()));
            so.set("unwatermarked", nullJson(s.unwatermarked()));
            ArrayNode at = so.putArray("attacks");
            for (int i = 0; i < s.attacks().size(); i++) {
                EvalHarness.Scores a = s.attacked().get(i);
                ObjectNode ao = at.addObject();
                ao.put("attack", s.attacks().get(i).name());
                ao.put("description", s.attacks().get(i).description());
                ao.put("texts", a.lnP().length);
                ao.put("median_tokens", Metrics.median(toDouble(a.tokens())));
                ArrayNode tpr = ao.putArray("tpr");
                for (double alpha : EvalHarness.ALPHAS) {
                    ObjectNode t = tpr.addObject();
                    t.put("alpha", alpha);
                    t.put("detected", Metrics.countAtAlpha(a.lnP(), alpha));
                    t.put("tpr", round(Metrics.rateAtAlpha(a.lnP(), alpha), 4));
                    t.put("empirical_fpr_human", round(Metrics.rateAtAlpha(s.human().lnP(), alpha), 6));
                }
                ao.put("auc_vs_human", round(Metrics.auc(neg(s.human().lnP()), neg(a.lnP())), 4));
                ao.put("median_log10_p", round(Metrics.median(EvalHarness.log10(a.lnP())), 2));
                ArrayNode byLen = ao.putArray("median_log10_p_by_length");
                for (int li = 0; li < c.lengths().size(); li++) {
                    ObjectNode bl = byLen.addObject();
                    bl.put("tokens", c.lengths().get(li));
                    double[] v = finite(a.prefixLnP()[li]);
                    bl.put("texts", v.length);
                    if (2 * v.length >= a.lnP().length) {
                        bl.put("median_log10_p", round(Metrics.median(v) / LN10, 2));
                    } else {
                        bl.putNull("median_log10_p");
                    }
                }
                ao.put("perplexity", round(ppl(a.nll(), a.nllTokens()), 1));
            }
        }
        try {
            return JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static ObjectNode nullJson(EvalHarness.Scores s) {
        ObjectNode o = JSON.createObjectNode();
        int n = s.lnP().length;
        o.put("documents", n);
        o.put("tokens", sum(s.tokens()));
        ArrayNode a = o.putArray("fpr");
        for (double alpha : EvalHarness.ALPHAS) {
            int k = Metrics.countAtAlpha(s.lnP(), alpha);
            double[] ci = ExactBinomialTest.clopperPearson(n, k, 0.99);
            ObjectNode r = a.addObject();
            r.put("alpha", alpha);
            r.put("false_positives", k);
            r.put("fpr", round(k / (double) n, 6));
            r.put("ci99_low", ci[0]);
            r.put("ci99_high", ci[1]);
        }
        o.put("median_log10_p", round(Metrics.median(EvalHarness.log10(s.lnP())), 3));
        return o;
    }

    // --------------------------------------------------------------------------------------------- markdown

    static String markdown(EvalHarness.Result r, String command) {
        EvalConfig c = r.config();
        StringBuilder sb = new StringBuilder();
        sb.append("# provmark robustness evaluation: every scheme × attack\n\n");
        sb.append("Generated by `").append(command).append("` (").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                .append(", ").append(String.format(Locale.ROOT, "%.0f", r.seconds())).append(" s wall on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version"))
                .append(String.format(Locale.ROOT, ", load average %.1f at the start and %.1f at the end",
                        r.loadAverageStart(), r.loadAverageEnd()))
                .append("). Method and caveats: [docs/eval.md](../eval.md).\n\n");
        Map<String, Object> d = r.data();
        sb.append(String.format(Locale.ROOT, "- Watermarked texts: %d answers of %d tokens from an order-%d Kneser-Ney model"
                        + " (trained on %s tokens of %s Brown train units), temperature %s, %s, to the first %d"
                        + " tokens of Brown test documents; tokenizer `%s`; one key per scheme derived from seed %d.%n",
                c.prompts(), c.maxTokens(), c.knOrder(), d.get("generator_tokens"), d.get("generator_units"),
                Attacks.fmt(c.temperature()), c.topK() > 0 ? "top-k " + c.topK() + " (watermark applied to the"
                        + " candidates, as provmark generate --top-k)" : "whole vocabulary", c.promptTokens(), c.tokenizer(), c.seed()));
        sb.append(String.format(Locale.ROOT, "- Human null set: %s Brown test + %s KJV test documents (%s tokens)."
                        + " Detection: no prompt, profile defaults (dedup on PRF inputs), as `provmark detect`.%n",
                d.get("human_brown"), d.get("human_kjv"), d.get("human_tokens")));
        sb.append(String.format(Locale.ROOT, "- TPR@α: share of attacked texts with exact p ≤ α; the realised FPR of"
                        + " the same threshold on the human null set is in the first row. AUC: watermarked vs human,"
                        + " score −ln p. PPL: perplexity under a judge model trained on the other half of the Brown train"
                        + " split (human Brown test text: %.0f; unwatermarked generations: %.0f).%n%n",
                ppl(r.humanPerplexity().nll(), r.humanPerplexity().nllTokens()),
                ppl(r.unwatermarkedNll(), r.unwatermarkedTokens())));
        for (EvalHarness.SchemeResult s : r.schemes()) {
            sb.append("## ").append(s.spec().label()).append(" (`").append(s.spec().name()).append("`)\n\n");
            sb.append("| attack | tokens | TPR@1e-2 | TPR@1e-3 | TPR@1e-4 | AUC | median log10 p |");
            for (int len : c.lengths()) {
                sb.append(" @").append(len).append(" |");
            }
            sb.append(" PPL |\n|---|---|---|---|---|---|---|");
            sb.append("---|".repeat(c.lengths().size())).append("---|\n");
            nullRow(sb, "*human null: realised FPR* (" + s.human().lnP().length + " docs)", s.human(), c);
            nullRow(sb, "*unwatermarked generations: FPR* (" + s.unwatermarked().lnP().length + ")", s.unwatermarked(), c);
            for (int i = 0; i < s.attacks().size(); i++) {
                EvalHarness.Scores a = s.attacked().get(i);
                sb.append("| ").append(s.attacks().get(i).name()).append(" | ")
                        .append(fmt0(Metrics.median(toDouble(a.tokens())))).append(" |");
                for (double alpha : EvalHarness.ALPHAS) {
                    sb.append(' ').append(String.format(Locale.ROOT, "%.3f", Metrics.rateAtAlpha(a.lnP(), alpha))).append(" |");
                }
                sb.append(String.format(Locale.ROOT, " %.4f | %.1f |", Metrics.auc(neg(s.human().lnP()), neg(a.lnP())),
                        Metrics.median(EvalHarness.log10(a.lnP()))));
                for (int li = 0; li < c.lengths().size(); li++) {
                    double[] v = finite(a.prefixLnP()[li]);
                    sb.append(2 * v.length >= a.lnP().length
                            ? String.format(Locale.ROOT, " %.1f |", Metrics.median(v) / LN10) : " — |");
                }
                sb.append(String.format(Locale.ROOT, " %.0f |%n", ppl(a.nll(), a.nllTokens())));
            }
            sb.append("\n![ROC](roc-").append(s.spec().name()).append(".svg) ![p vs tokens](pvalue-")
                    .append(s.spec().name()).append(".svg)\n\n![histograms](hist-").append(s.spec().name())
                    .append(".svg)\n\n");
        }
        sb.append("## Attacks\n\n| attack | what it does |\n|---|---|\n");
        if (!r.schemes().isEmpty()) {
            for (Attack a : r.schemes().get(0).attacks()) {
                sb.append("| ").append(a.name()).append(" | ").append(a.description()).append(" |\n");
            }
        }
        sb.append("\n`@N`: median log10 p of the first N tokens of the attacked text (— when fewer than half the"
                + " texts have N tokens). The raw numbers, with exact 99% intervals of the realised FPRs, are in"
                + " [results.json](results.json).\n");
        return sb.toString();
    }

    private static void nullRow(StringBuilder sb, String label, EvalHarness.Scores s, EvalConfig c) {
        sb.append("| ").append(label).append(" | ").append(fmt0(Metrics.median(toDouble(s.tokens())))).append(" |");
        for (double alpha : EvalHarness.ALPHAS) {
            int k = Metrics.countAtAlpha(s.lnP(), alpha);
            sb.append(String.format(Locale.ROOT, " %.4f (%d) |", k / (double) s.lnP().length, k));
        }
        sb.append(" — | ").append(String.format(Locale.ROOT, "%.2f", Metrics.median(EvalHarness.log10(s.lnP())))).append(" |");
        sb.append(" |".repeat(c.lengths().size())).append(" |\n");
    }

    // ------------------------------------------------------------------------------------------------ plots

    private static final int LEGEND_W = 170;

    static String rocPlot(EvalHarness.SchemeResult s) {
        int n = s.human().lnP().length;
        double xmin = Math.pow(10, Math.floor(Math.log10(1.0 / n)));
        Svg svg = new Svg(640 + LEGEND_W - 80, 420);
        Svg.Panel p = svg.new Panel(60, 30, 480, 330, xmin, 1, true, 0, 1);
        List<Double> ticks = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (double x = xmin; x <= 1.0001; x *= 10) {
            ticks.add(x);
            labels.add(x >= 1 ? "1" : String.format(Locale.ROOT, "1e%d", Math.round(Math.log10(x))));
        }
        p.axes("ROC, " + s.spec().label() + " (human null: " + n + " docs)", "false-positive rate on human text (log)",
                "true-positive rate", ticks.stream().mapToDouble(Double::doubleValue).toArray(), labels.toArray(new String[0]),
                new double[] {0, 0.2, 0.4, 0.6, 0.8, 1});
        String[] names = new String[s.attacks().size()];
        String[] colors = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            double[][] roc = Metrics.roc(neg(s.human().lnP()), neg(s.attacked().get(i).lnP()));
            // FPR 0 sits at the left edge: with n human documents, 1/n is the smallest FPR the data can show
            double[] fx = roc[0].clone();
            for (int k = 0; k < fx.length; k++) {
                fx[k] = Math.max(fx[k], xmin);
            }
            names[i] = s.attacks().get(i).name();
            colors[i] = Svg.color(i);
            p.series(fx, roc[1], colors[i], 1.6, i >= Svg.PALETTE.length ? "4 2" : null, false);
        }
        p.legend(555, 40, names, colors);
        return svg.toSvg();
    }

    static String pvaluePlot(EvalHarness.SchemeResult s, List<Integer> lengths) {
        // per attack: the median log10 p of each prefix length, then of the whole text at its median length
        double ymin = 0;
        double xmax = lengths.get(lengths.size() - 1);
        List<double[]> xsList = new ArrayList<>();
        List<double[]> ysList = new ArrayList<>();
        for (EvalHarness.Scores a : s.attacked()) {
            double[] x = new double[lengths.size() + 1];
            double[] y = new double[lengths.size() + 1];
            for (int li = 0; li < lengths.size(); li++) {
                double[] v = finite(a.prefixLnP()[li]);
                x[li] = lengths.get(li);
                y[li] = 2 * v.length >= a.lnP().length ? Metrics.median(v) / LN10 : Double.NaN;
            }
            x[lengths.size()] = Metrics.median(toDouble(a.tokens()));
            y[lengths.size()] = Metrics.median(EvalHarness.log10(a.lnP()));
            for (int k = 0; k < y.length; k++) {
                if (Double.isFinite(y[k])) {
                    ymin = Math.min(ymin, y[k]);
                    xmax = Math.max(xmax, x[k]);
                }
            }
            xsList.add(x);
            ysList.add(y);
        }
        ymin = Math.min(-5, Math.floor(ymin / 5) * 5);
        Svg svg = new Svg(640 + LEGEND_W - 80, 420);
        Svg.Panel p = svg.new Panel(60, 30, 480, 330, 0, xmax * 1.05, false, ymin, 0);
        List<Double> yt = new ArrayList<>();
        double step = Math.max(1, Math.ceil(-ymin / 8 / 5) * 5);
        for (double y = 0; y >= ymin; y -= step) {
            yt.add(y);
        }
        List<Double> xt = new ArrayList<>();
        double xstep = xmax > 400 ? 100 : xmax > 100 ? 50 : 10;
        for (double x = 0; x <= xmax * 1.05; x += xstep) {
            xt.add(x);
        }
        p.axes("median log10 p vs length, " + s.spec().label(), "tokens of the attacked text (prefix; last point: whole text)",
                "median log10 p", xt.stream().mapToDouble(Double::doubleValue).toArray(), null,
                yt.stream().mapToDouble(Double::doubleValue).toArray());
        for (double alpha : EvalHarness.ALPHAS) {
            double y = p.py(Math.log10(alpha));
            svg.line(p.x0, y, p.x0 + p.w, y, "#999999", 1, "3 3");
        }
        String[] names = new String[ysList.size()];
        String[] colors = new String[ysList.size()];
        for (int i = 0; i < ysList.size(); i++) {
            names[i] = s.attacks().get(i).name();
            colors[i] = Svg.color(i);
            p.series(xsList.get(i), ysList.get(i), colors[i], 1.6, i >= Svg.PALETTE.length ? "4 2" : null, true);
        }
        p.legend(555, 40, names, colors);
        svg.text(p.x0 + p.w - 4, p.py(-2) - 3, "dashed: α = 1e-2, 1e-3, 1e-4", 9, "end", "#666666");
        return svg.toSvg();
    }

    static String histograms(EvalHarness.SchemeResult s) {
        int k = s.attacks().size();
        int cols = Math.min(4, k);
        int rows = (k + cols - 1) / cols;
        double pw = 200;
        double ph = 120;
        Svg svg = new Svg((int) (cols * (pw + 60) + 20), (int) (rows * (ph + 70) + 50));
        svg.text(20, 22, "z-score histograms, " + s.spec().label() + ": human null (grey) vs attacked watermarked"
                + " (colour); z clipped to [-5, 40]", 12, "start", "#000000");
        double lo = -5;
        double hi = 40;
        int bins = 45;
        double[] edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            edges[i] = lo + (hi - lo) * i / bins;
        }
        double[] human = density(s.human().z(), edges);
        for (int i = 0; i < k; i++) {
            double[] wm = density(s.attacked().get(i).z(), edges);
            double ymax = 0;
            for (int b = 0; b < bins; b++) {
                ymax = Math.max(ymax, Math.max(human[b], wm[b]));
            }
            double x0 = 50 + (i % cols) * (pw + 60);
            double y0 = 50 + (i / cols) * (ph + 70);
            Svg.Panel p = svg.new Panel(x0, y0, pw, ph, lo, hi, false, 0, ymax * 1.05);
            p.axes(s.attacks().get(i).name(), "z", null, new double[] {0, 10, 20, 30, 40}, null, new double[0]);
            p.histogram(edges, human, "#777777");
            p.histogram(edges, wm, Svg.color(i));
        }
        return svg.toSvg();
    }

    /** Share of values in each bin; values outside the range go to the end bins. */
    static double[] density(double[] v, double[] edges) {
        int bins = edges.length - 1;
        double[] h = new double[bins];
        double lo = edges[0];
        double w = (edges[bins] - lo) / bins;
        for (double x : v) {
            int b = (int) Math.floor((x - lo) / w);
            h[Math.max(0, Math.min(bins - 1, b))] += 1.0 / v.length;
        }
        return h;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static double ppl(double nll, long tokens) {
        return tokens == 0 ? Double.NaN : Math.exp(nll / tokens);
    }

    private static double[] neg(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = -a[i];
        }
        return out;
    }

    private static double[] finite(double[] a) {
        return java.util.Arrays.stream(a).filter(Double::isFinite).toArray();
    }

    private static double[] toDouble(int[] a) {
        return java.util.Arrays.stream(a).asDoubleStream().toArray();
    }

    private static long sum(int[] a) {
        long s = 0;
        for (int v : a) {
            s += v;
        }
        return s;
    }

    private static String fmt0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
