package io.provmark.verifier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType0Font;

/**
 * The report for people: a PDF rendered from the same map that becomes report.json (so every
 * number in it is in the signed JSON too), with an embedded, subset TrueType font (Liberation Sans,
 * shipped inside PDFBox) and plots drawn as vector graphics. Verdict first, then method, numbers,
 * plots, a sample of scored tokens, limits, provenance and how to verify the signatures.
 */
final class ReportPdf {
    static final String FONT = "/org/apache/pdfbox/resources/ttf/LiberationSans-Regular.ttf";
    private static final float MARGIN = 50;
    private static final PDRectangle SIZE = PDRectangle.A4;
    private static final int MAX_TABLE_RECORDS = 40;

    private final PDDocument doc;
    private final PDType0Font font;
    private final Map<Integer, Boolean> glyphs = new HashMap<>();
    private PDPageContentStream cs;
    private float y;

    private ReportPdf(PDDocument doc) throws IOException {
        this.doc = doc;
        try (InputStream in = ReportPdf.class.getResourceAsStream(FONT)) {
            if (in == null) {
                throw new IOException("PDFBox's Liberation Sans font " + FONT + " is not on the class path");
            }
            this.font = PDType0Font.load(doc, in, true);
        }
    }

    /** The PDF bytes for a report map as built for report.json; {@code stamp} is the verified timestamp or null. */
    static byte[] render(Map<String, Object> report, Timestamping.Stamp stamp) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            ReportPdf w = new ReportPdf(doc);
            w.write(report, stamp);
            w.cs.close();
            doc.getDocumentInformation().setTitle("provmark verification report, job " + get(report, "job", "id"));
            doc.getDocumentInformation().setProducer("provmark verifier-service (Apache PDFBox)");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }

    // ------------------------------------------------------------------ content

    private void write(Map<String, Object> r, Timestamping.Stamp stamp) throws IOException {
        newPage();
        text("provmark verification report", 18, 0.1f, 0.1f, 0.1f);
        y -= 4;
        para("Case: " + get(r, "case", "title") + "   (case " + get(r, "case", "id") + ")", 9);
        para("Job " + get(r, "job", "id") + ", attempt " + get(r, "job", "attempt") + "; report created "
                + get(r, "times", "reportCreated"), 9);
        y -= 6;

        heading("Verdict");
        boolean significant = significant(r);
        String verdict = verdict(r);
        float top = y;
        para(verdict, 12);
        float[] col = significant ? new float[] {0.10f, 0.45f, 0.15f} : new float[] {0.35f, 0.35f, 0.35f};
        cs.setStrokingColor(col[0], col[1], col[2]);
        cs.setLineWidth(2.5f);
        cs.moveTo(MARGIN - 8, top + 2);
        cs.lineTo(MARGIN - 8, y + 8);
        cs.stroke();
        cs.setStrokingColor(0f, 0f, 0f);
        if (significant) {
            para("A p-value this small means: text produced without this key would show this much watermark signal "
                    + "with at most that probability. It does not say how the watermark got into the text (see Limits).", 9);
        } else {
            para("This is not evidence of innocence: paraphrasing, short or low-entropy text, or a different tokenizer all "
                    + "weaken the signal, so a watermarked source can go undetected.", 9);
        }

        heading("Question");
        para(String.valueOf(r.get("question")), 10);

        heading("Method");
        Map<?, ?> method = (Map<?, ?>) r.get("method");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Scheme", String.valueOf(method.get("scheme"))});
        rows.add(new String[] {"Statistic", String.valueOf(method.get("statistic"))});
        rows.add(new String[] {"Test", String.valueOf(method.get("test"))});
        rows.add(new String[] {"Deduplication", String.valueOf(method.get("dedup"))});
        rows.add(new String[] {"Key", get(r, "key", "id") + ", fingerprint " + get(r, "key", "fingerprint")});
        rows.add(new String[] {"Profile SHA-256", String.valueOf(r.get("profileSha256"))});
        for (Object o : (List<?>) r.get("inputs")) {
            Map<?, ?> in = (Map<?, ?>) o;
            rows.add(new String[] {"Evidence", in.get("name") + " (" + in.get("kind") + ", " + in.get("sizeBytes") + " bytes), SHA-256 "
                    + in.get("sha256")});
        }
        table(rows, new float[] {110, SIZE.getWidth() - 2 * MARGIN - 110}, 9);

        heading("Numbers");
        Map<?, ?> sum = (Map<?, ?>) r.get("summary");
        para("Records: " + sum.get("records") + "; tokens: " + sum.get("numTokens") + "; scored tokens: " + sum.get("numScored")
                + "; strongest record: " + sum.get("strongestRecord") + "; smallest Holm-corrected p = "
                + formatP(sum.get("holmPValue"), sum.get("holmLog10PValue")) + "; significance level alpha = " + sum.get("alpha") + ".", 9);
        List<String[]> nums = new ArrayList<>();
        nums.add(new String[] {"record", "tokens", "scored", "statistic", "z", "log10 p", "Holm log10 p", "exact"});
        List<?> results = (List<?>) r.get("results");
        for (int i = 0; i < results.size() && i < MAX_TABLE_RECORDS; i++) {
            Map<?, ?> m = (Map<?, ?>) results.get(i);
            nums.add(new String[] {String.valueOf(m.get("record")), String.valueOf(m.get("numTokens")), String.valueOf(m.get("numScored")),
                    fmt(m.get("statistic")), fmt(m.get("z")), fmt(m.get("log10PValue")), fmt(m.get("holmLog10PValue")),
                    String.valueOf(m.get("exact"))});
        }
        float tw = SIZE.getWidth() - 2 * MARGIN;
        table(nums, new float[] {tw * 0.22f, tw * 0.1f, tw * 0.1f, tw * 0.12f, tw * 0.1f, tw * 0.13f, tw * 0.14f, tw * 0.09f}, 8);
        if (results.size() > MAX_TABLE_RECORDS) {
            para("... and " + (results.size() - MAX_TABLE_RECORDS) + " more records in report.json (results).", 8);
        }

        ensure(290); // heading, description and plot on one page
        heading("Cumulative p-value");
        Map<?, ?> curve = (Map<?, ?>) r.get("curve");
        para(String.valueOf(curve.get("description")), 8);
        curvePlot(curve, ((Number) sum.get("alpha")).doubleValue());

        ensure(260);
        heading("Per-token scores against the null");
        Map<?, ?> hist = (Map<?, ?>) r.get("histogram");
        para("Bars: observed counts of the " + hist.get("scored") + " pooled scored tokens; black outlines: counts expected without the "
                + "watermark (" + hist.get("null") + ").", 8);
        histogramPlot(hist, "red-green".equals(method.get("scheme")));

        heading("Sample of scored tokens");
        Map<?, ?> sample = (Map<?, ?>) r.get("sample");
        para(String.valueOf(sample.get("description")) + ". Green: score above the null mean, red: below (darker = further), "
                + "grey: not scored (no context = fewer context tokens than the scheme needs, repeat = a context/token "
                + "already scored).", 8);
        sampleGrid(sample);

        heading("Limits");
        for (Object l : (List<?>) r.get("limits")) {
            para("- " + l, 9);
        }

        heading("Provenance");
        List<String[]> prov = new ArrayList<>();
        prov.add(new String[] {"Software", get(r, "software", "name") + " " + get(r, "software", "version") + ", commit "
                + get(r, "software", "commit")});
        Map<?, ?> times = (Map<?, ?>) r.get("times");
        for (Map.Entry<?, ?> e : times.entrySet()) {
            prov.add(new String[] {"Time: " + e.getKey(), String.valueOf(e.getValue())});
        }
        Map<?, ?> ops = (Map<?, ?>) r.get("operators");
        for (Map.Entry<?, ?> e : ops.entrySet()) {
            prov.add(new String[] {"Operator: " + e.getKey(), String.valueOf(e.getValue())});
        }
        prov.add(new String[] {"Audit log anchor", "entry " + get(r, "audit", "headSeq") + ", hash " + get(r, "audit", "headHash")});
        if (stamp != null) {
            prov.add(new String[] {"RFC 3161 timestamp", stamp.genTime() + " by " + stamp.tsaSubject() + " (" + get(r, "timestamp", "authority")
                    + "), TSA certificate SHA-256 " + stamp.tsaCertSha256()});
        } else {
            prov.add(new String[] {"RFC 3161 timestamp", "none (the service has no timestamp authority configured)"});
        }
        table(prov, new float[] {130, SIZE.getWidth() - 2 * MARGIN - 130}, 8);

        heading("How to verify");
        para("This PDF is a rendering of report.json. The signed files are in the report directory; this PDF is listed in "
                + "SHA256SUMS, so it is signed too. In the report directory run:", 9);
        List<String> cmds = new ArrayList<>();
        cmds.add("provmark report verify .");
        cmds.add("openssl cms -verify -binary -inform DER -in report.json.p7s -content report.json -CAfile cms-cert.pem -purpose any -out /dev/null");
        cmds.add("openssl pkeyutl -verify -pubin -inkey ed25519-public.pem -rawin -in report.json -sigfile report.json.sig");
        cmds.add("openssl pkeyutl -verify -pubin -inkey ed25519-public.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig");
        cmds.add("sha256sum -c SHA256SUMS");
        if (stamp != null) {
            cmds.add("openssl ts -verify -data report.json -token_in -in report.json.tsr -CAfile tsa.pem");
        }
        for (String c : cmds) {
            para(c, 8, 0.1f, 0.1f, 0.45f);
        }
        para("Then compare the Ed25519 key fingerprint that provmark report verify prints, or cms-cert.pem, with the keys the "
                + "service operator publishes: the directory alone proves that nothing changed, not who signed it."
                + (stamp != null ? " tsa.pem is the timestamp authority's certificate as it publishes it." : ""), 9);
    }

    /** Attribution jobs answer "did a model learn from our keys' text", not "is this record watermarked". */
    static boolean significant(Map<String, Object> r) {
        if (r.get("attribution") instanceof Map) {
            Object keys = ((Map<?, ?>) r.get("attribution")).get("attributed_keys");
            return keys instanceof List && !((List<?>) keys).isEmpty();
        }
        return Boolean.TRUE.equals(get(r, "summary", "significant"));
    }

    private static String attributionVerdict(Map<?, ?> a) {
        List<?> keys = a.get("attributed_keys") instanceof List ? (List<?>) a.get("attributed_keys") : List.of();
        Object alpha = a.get("parameters") instanceof Map ? ((Map<?, ?>) a.get("parameters")).get("alpha") : null;
        Map<?, ?> best = null;
        if (a.get("per_key") instanceof List) {
            for (Object o : (List<?>) a.get("per_key")) {
                Map<?, ?> k = (Map<?, ?>) o;
                if (best == null || ((Number) k.get("holm_log10_p_value")).doubleValue()
                        < ((Number) best.get("holm_log10_p_value")).doubleValue()) {
                    best = k;
                }
            }
        }
        String over = " (closed-model radioactivity test over " + a.get("num_answers") + " answers";
        if (!keys.isEmpty()) {
            String p = best == null ? "n/a" : formatP(best.get("holm_p_value"), best.get("holm_log10_p_value"));
            return "The suspect's answers carry the watermark of key" + (keys.size() == 1 ? " " : "s ")
                    + String.join(", ", keys.stream().map(String::valueOf).toList()) + over
                    + "; strongest key " + best.get("key_id") + " at p = " + p + ", Holm-corrected over every tested key;"
                    + " significance level " + alpha + "). This indicates the suspect model learned from text"
                    + " watermarked with these keys.";
        }
        String p = best == null ? "n/a" : formatP(best.get("holm_p_value"), best.get("holm_log10_p_value"));
        return "No key was attributed" + over + "; smallest Holm-corrected p = " + p + "; significance level " + alpha
                + "). This is not evidence of innocence.";
    }

    static String verdict(Map<String, Object> r) {
        if (r.get("attribution") instanceof Map) {
            return attributionVerdict((Map<?, ?>) r.get("attribution"));
        }
        Map<?, ?> sum = (Map<?, ?>) r.get("summary");
        String p = formatP(sum.get("holmPValue"), sum.get("holmLog10PValue"));
        Object n = sum.get("records");
        if (Boolean.TRUE.equals(sum.get("significant"))) {
            return "The evidence carries the provmark watermark of key " + get(r, "key", "id") + " (p = " + p
                    + ", Holm-corrected over " + n + " record" + ("1".equals(String.valueOf(n)) ? "" : "s")
                    + "; strongest record " + sum.get("strongestRecord") + "; significance level " + sum.get("alpha") + ").";
        }
        return "No significant evidence of the provmark watermark of key " + get(r, "key", "id") + " was found (smallest p = " + p
                + ", Holm-corrected over " + n + " record" + ("1".equals(String.valueOf(n)) ? "" : "s") + "; significance level "
                + sum.get("alpha") + "). This is not evidence of innocence.";
    }

    static String formatP(Object p, Object log10) {
        double pv = p instanceof Number ? ((Number) p).doubleValue() : 0.0;
        if (pv >= 1e-3) {
            return String.format(Locale.ROOT, "%.4f", pv);
        }
        if (pv > 0 && pv >= Double.MIN_NORMAL) {
            return String.format(Locale.ROOT, "%.3e", pv);
        }
        double l = log10 instanceof Number ? ((Number) log10).doubleValue() : Double.NEGATIVE_INFINITY;
        return "10^" + String.format(Locale.ROOT, "%.2f", l);
    }

    private static String fmt(Object o) {
        if (!(o instanceof Number)) {
            return String.valueOf(o);
        }
        double d = ((Number) o).doubleValue();
        return Math.abs(d) >= 1e5 || (d != 0 && Math.abs(d) < 1e-3) ? String.format(Locale.ROOT, "%.3e", d) : String.format(Locale.ROOT, "%.3f", d);
    }

    private static Object get(Map<String, Object> r, String section, String field) {
        Object s = r.get(section);
        return s instanceof Map ? ((Map<?, ?>) s).get(field) : null;
    }

    // ------------------------------------------------------------------ plots

    private void curvePlot(Map<?, ?> curve, double alpha) throws IOException {
        List<?> ks = (List<?>) curve.get("scoredTokens");
        List<?> ps = (List<?>) curve.get("log10PValue");
        float h = 170;
        y -= 12;
        ensure(h + 30);
        float x0 = MARGIN + 45;
        float x1 = SIZE.getWidth() - MARGIN - 10;
        float yTop = y - 5;
        float yBot = yTop - h;
        double maxK = ks.isEmpty() ? 1 : Math.max(1, ((Number) ks.get(ks.size() - 1)).doubleValue());
        double minP = Math.log10(alpha) - 1;
        for (Object o : ps) {
            minP = Math.min(minP, Math.max(-1e6, ((Number) o).doubleValue()));
        }
        double yMin = niceFloor(minP);
        axes(x0, x1, yBot, yTop, 0, maxK, yMin, 0, "scored tokens (pooled)", "log10 p");
        // the significance level, dashed
        float ya = (float) (yBot + (Math.log10(alpha) - yMin) / (0 - yMin) * (yTop - yBot));
        cs.setLineDashPattern(new float[] {3, 3}, 0);
        cs.setStrokingColor(0.6f, 0.1f, 0.1f);
        cs.moveTo(x0, ya);
        cs.lineTo(x1, ya);
        cs.stroke();
        cs.setLineDashPattern(new float[] {}, 0);
        label(x1 - 70, ya + 3, "alpha = " + alpha, 7, 0.6f, 0.1f, 0.1f);
        cs.setStrokingColor(0.1f, 0.3f, 0.7f);
        cs.setLineWidth(1.2f);
        cs.moveTo(x0, yTop);
        for (int i = 0; i < ks.size(); i++) {
            double k = ((Number) ks.get(i)).doubleValue();
            double p = Math.max(yMin, ((Number) ps.get(i)).doubleValue());
            cs.lineTo((float) (x0 + k / maxK * (x1 - x0)), (float) (yBot + (p - yMin) / (0 - yMin) * (yTop - yBot)));
        }
        cs.stroke();
        cs.setStrokingColor(0f, 0f, 0f);
        cs.setLineWidth(1f);
        y = yBot - 28;
    }

    private void histogramPlot(Map<?, ?> hist, boolean redGreen) throws IOException {
        List<?> bins = (List<?>) hist.get("bins");
        float h = 150;
        y -= 12;
        ensure(h + 36);
        float x0 = MARGIN + 45;
        float x1 = SIZE.getWidth() - MARGIN - 10;
        float yTop = y - 5;
        float yBot = yTop - h;
        double max = 1;
        for (Object o : bins) {
            Map<?, ?> b = (Map<?, ?>) o;
            max = Math.max(max, Math.max(((Number) b.get("observed")).doubleValue(), ((Number) b.get("expected")).doubleValue()));
        }
        max = niceCeil(max);
        axes(x0, x1, yBot, yTop, Double.NaN, Double.NaN, 0, max, redGreen ? "per-token score (0 = red, 1 = green)" : "per-token score", "tokens");
        float slot = (x1 - x0) / bins.size();
        for (int i = 0; i < bins.size(); i++) {
            Map<?, ?> b = (Map<?, ?>) bins.get(i);
            float bx = x0 + i * slot + slot * 0.15f;
            float bw = slot * 0.7f;
            float oh = (float) (((Number) b.get("observed")).doubleValue() / max * h);
            float eh = (float) (((Number) b.get("expected")).doubleValue() / max * h);
            cs.setNonStrokingColor(0.45f, 0.6f, 0.85f);
            cs.addRect(bx, yBot, bw, oh);
            cs.fill();
            cs.setStrokingColor(0f, 0f, 0f);
            cs.setLineWidth(1f);
            cs.addRect(bx, yBot, bw, eh);
            cs.stroke();
            Object from = b.get("from");
            Object to = b.get("to");
            String lab = to == null ? ">= " + num(from) : num(from).equals(num(to)) ? num(from) : num(from) + "-" + num(to);
            if (bins.size() <= 16 || i % 2 == 0) {
                label(bx, yBot - 9, lab, 6, 0f, 0f, 0f);
            }
        }
        y = yBot - 34;
    }

    private static String num(Object o) {
        double d = ((Number) o).doubleValue();
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    /** Axes with 5 ticks on y (and on x when xMax is a number), and their titles. */
    private void axes(float x0, float x1, float yBot, float yTop, double xMin, double xMax, double yMin, double yMax,
                      String xTitle, String yTitle) throws IOException {
        cs.setStrokingColor(0f, 0f, 0f);
        cs.setLineWidth(0.8f);
        cs.moveTo(x0, yTop);
        cs.lineTo(x0, yBot);
        cs.lineTo(x1, yBot);
        cs.stroke();
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4;
            float ty = yBot + (yTop - yBot) * i / 4;
            cs.moveTo(x0 - 3, ty);
            cs.lineTo(x0, ty);
            cs.stroke();
            label(MARGIN, ty - 3, tick(v), 7, 0f, 0f, 0f);
            if (!Double.isNaN(xMax)) {
                double xv = xMin + (xMax - xMin) * i / 4;
                float tx = x0 + (x1 - x0) * i / 4;
                cs.moveTo(tx, yBot);
                cs.lineTo(tx, yBot - 3);
                cs.stroke();
                label(tx - 8, yBot - 11, xMax >= 8 ? Long.toString(Math.round(xv)) : tick(xv), 7, 0f, 0f, 0f);
            }
        }
        label((x0 + x1) / 2 - 40, yBot - (Double.isNaN(xMax) ? 20 : 21), xTitle, 8, 0f, 0f, 0f);
        label(x0 + 4, yTop + 2, yTitle, 8, 0f, 0f, 0f);
    }

    private static String tick(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9 ? Long.toString(Math.round(v)) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static double niceFloor(double v) {
        double step = Math.pow(10, Math.floor(Math.log10(Math.max(1, -v))));
        return -Math.ceil(-v / step) * step;
    }

    private static double niceCeil(double v) {
        double step = Math.pow(10, Math.floor(Math.log10(Math.max(1, v))));
        return Math.ceil(v / step) * step;
    }

    private void sampleGrid(Map<?, ?> sample) throws IOException {
        List<?> pos = (List<?>) sample.get("positions");
        double mean = ((Number) sample.get("nullMean")).doubleValue();
        double sd = ((Number) sample.get("nullStdDev")).doubleValue();
        float bw = 41;
        float bh = 22;
        int perRow = (int) ((SIZE.getWidth() - 2 * MARGIN) / bw);
        for (int i = 0; i < pos.size(); i += perRow) {
            ensure(bh + 4);
            for (int j = 0; j < perRow && i + j < pos.size(); j++) {
                Map<?, ?> p = (Map<?, ?>) pos.get(i + j);
                float bx = MARGIN + j * bw;
                float by = y - bh;
                Object score = p.get("score");
                float[] c;
                String second;
                if (score instanceof Number) {
                    double z = sd > 0 ? (((Number) score).doubleValue() - mean) / sd : 0;
                    float t = (float) Math.min(1.0, 0.35 + Math.abs(z) / 3);
                    c = z > 0 ? new float[] {1 - 0.6f * t, 1 - 0.2f * t, 1 - 0.6f * t} : new float[] {1 - 0.1f * t, 1 - 0.6f * t, 1 - 0.6f * t};
                    second = fmtScore(((Number) score).doubleValue());
                } else {
                    c = new float[] {0.88f, 0.88f, 0.88f};
                    second = shortStatus(String.valueOf(p.get("status")));
                }
                cs.setNonStrokingColor(c[0], c[1], c[2]);
                cs.addRect(bx + 1, by + 1, bw - 2, bh - 2);
                cs.fill();
                label(bx + 3, by + bh - 9, String.valueOf(p.get("token")), 7, 0f, 0f, 0f);
                label(bx + 3, by + 4, second, 6, 0.2f, 0.2f, 0.2f);
            }
            y -= bh;
        }
        y -= 6;
    }

    private static String shortStatus(String wire) {
        switch (wire) {
            case "partial-context":
                return "no context";
            case "duplicate":
                return "repeat";
            case "in-prompt":
                return "in prompt";
            default:
                return wire;
        }
    }

    private static String fmtScore(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    // ------------------------------------------------------------------ layout

    private void newPage() throws IOException {
        if (cs != null) {
            cs.close();
        }
        PDPage page = new PDPage(SIZE);
        doc.addPage(page);
        cs = new PDPageContentStream(doc, page);
        y = SIZE.getHeight() - MARGIN;
        int n = doc.getNumberOfPages();
        label(SIZE.getWidth() - MARGIN - 40, MARGIN / 2, "page " + n, 7, 0.4f, 0.4f, 0.4f);
    }

    private void ensure(float height) throws IOException {
        if (y - height < MARGIN) {
            newPage();
        }
    }

    private void heading(String s) throws IOException {
        ensure(40);
        y -= 10;
        text(s, 13, 0.1f, 0.2f, 0.45f);
        y -= 2;
    }

    private void text(String s, float size, float r, float g, float b) throws IOException {
        ensure(size * 1.4f);
        y -= size * 1.2f;
        label(MARGIN, y, s, size, r, g, b);
        y -= size * 0.3f;
    }

    private void para(String s, float size) throws IOException {
        para(s, size, 0f, 0f, 0f);
    }

    private void para(String s, float size, float r, float g, float b) throws IOException {
        for (String line : wrap(clean(s), size, SIZE.getWidth() - 2 * MARGIN)) {
            ensure(size * 1.35f);
            y -= size * 1.35f;
            label(MARGIN, y, line, size, r, g, b);
        }
        y -= size * 0.4f;
    }

    private void table(List<String[]> rows, float[] widths, float size) throws IOException {
        for (String[] row : rows) {
            List<List<String>> cells = new ArrayList<>();
            int lines = 1;
            for (int c = 0; c < row.length; c++) {
                List<String> w = wrap(clean(row[c]), size, widths[c] - 6);
                cells.add(w);
                lines = Math.max(lines, w.size());
            }
            float rh = lines * size * 1.3f + 4;
            ensure(rh);
            float x = MARGIN;
            cs.setStrokingColor(0.75f, 0.75f, 0.75f);
            cs.setLineWidth(0.5f);
            cs.moveTo(MARGIN, y - rh);
            cs.lineTo(MARGIN + sum(widths), y - rh);
            cs.stroke();
            for (int c = 0; c < row.length; c++) {
                List<String> w = cells.get(c);
                for (int l = 0; l < w.size(); l++) {
                    label(x + 2, y - (l + 1) * size * 1.3f, w.get(l), size, 0f, 0f, 0f);
                }
                x += widths[c];
            }
            y -= rh;
        }
        y -= 6;
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float f : a) {
            s += f;
        }
        return s;
    }

    private void label(float x, float yy, String s, float size, float r, float g, float b) throws IOException {
        cs.beginText();
        cs.setNonStrokingColor(r, g, b);
        cs.setFont(font, size);
        cs.newLineAtOffset(x, yy);
        cs.showText(clean(s));
        cs.endText();
    }

    /** Replaces control characters with spaces and characters the font lacks with '?'. */
    private String clean(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp) || Character.isWhitespace(cp)) {
                sb.append(' ');
            } else if (glyphs.computeIfAbsent(cp, this::encodable)) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('?');
            }
        });
        return sb.toString();
    }

    private boolean encodable(int cp) {
        try {
            font.encode(new String(Character.toChars(cp)));
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private float width(String s, float size) throws IOException {
        return font.getStringWidth(s) / 1000f * size;
    }

    /** Greedy word wrap; a word longer than the line (a hash) is broken between characters. */
    private List<String> wrap(String s, float size, float max) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : s.split(" ")) {
            String cand = line.length() == 0 ? word : line + " " + word;
            if (width(cand, size) <= max) {
                line.setLength(0);
                line.append(cand);
                continue;
            }
            if (line.length() > 0) {
                out.add(line.toString());
                line.setLength(0);
            }
            String rest = word;
            while (width(rest, size) > max) {
                int cut = rest.length() - 1;
                while (cut > 1 && width(rest.substring(0, cut), size) > max) {
                    cut--;
                }
                out.add(rest.substring(0, cut));
                rest = rest.substring(cut);
            }
            line.append(rest);
        }
        if (line.length() > 0 || out.isEmpty()) {
            out.add(line.toString());
        }
        return out;
    }
}
