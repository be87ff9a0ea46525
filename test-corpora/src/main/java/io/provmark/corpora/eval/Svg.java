package io.provmark.corpora.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal SVG writer for the evaluation's plots: line charts (linear or log10 x axis), step histograms,
 * legends and small multiples. Output is plain SVG 1.1 text, deterministic for the same input.
 */
public final class Svg {
    /** Colour-blind-friendly palette (Okabe-Ito, then darker greys). */
    public static final String[] PALETTE = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
        "#000000", "#F0E442", "#7F3C8D", "#11A579", "#3969AC", "#E73F74", "#80BA5A", "#666666", "#A5AA99",
        "#8C564B"};

    private final int width;
    private final int height;
    private final StringBuilder body = new StringBuilder();

    public Svg(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("SVG size must be positive, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
    }

    public static String color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    static String num(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9) {
            return Long.toString(Math.round(v));
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke, double strokeWidth, String dash) {
        body.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"")
                .append(num(x2)).append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(stroke)
                .append("\" stroke-width=\"").append(num(strokeWidth)).append('"');
        if (dash != null) {
            body.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        body.append("/>\n");
        return this;
    }

    public Svg rect(double x, double y, double w, double h, String fill, String stroke, double opacity) {
        body.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"")
                .append(num(w)).append("\" height=\"").append(num(h)).append("\" fill=\"").append(fill).append('"');
        if (stroke != null) {
            body.append(" stroke=\"").append(stroke).append('"');
        }
        if (opacity < 1) {
            body.append(" fill-opacity=\"").append(num(opacity)).append('"');
        }
        body.append("/>\n");
        return this;
    }

    /** @param anchor start, middle or end */
    public Svg text(double x, double y, String s, double size, String anchor, String fill) {
        body.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"")
                .append(num(size)).append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(fill)
                .append("\">").append(esc(s)).append("</text>\n");
        return this;
    }

    public Svg verticalText(double x, double y, String s, double size) {
        body.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"")
                .append(num(size)).append("\" text-anchor=\"middle\" transform=\"rotate(-90 ").append(num(x))
                .append(' ').append(num(y)).append(")\">").append(esc(s)).append("</text>\n");
        return this;
    }

    public Svg polyline(double[] xs, double[] ys, String stroke, double strokeWidth, String dash) {
        if (xs.length != ys.length) {
            throw new IllegalArgumentException("polyline: " + xs.length + " x values but " + ys.length + " y values");
        }
        body.append("<polyline fill=\"none\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                .append(num(strokeWidth)).append('"');
        if (dash != null) {
            body.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        body.append(" points=\"");
        for (int i = 0; i < xs.length; i++) {
            if (Double.isFinite(xs[i]) && Double.isFinite(ys[i])) {
                body.append(num(xs[i])).append(',').append(num(ys[i])).append(' ');
            }
        }
        body.append("\"/>\n");
        return this;
    }

    public Svg circle(double x, double y, double r, String fill) {
        body.append("<circle cx=\"").append(num(x)).append("\" cy=\"").append(num(y)).append("\" r=\"")
                .append(num(r)).append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    public String toSvg() {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + width + "\" height=\"" + height
                + "\" viewBox=\"0 0 " + width + " " + height + "\" font-family=\"sans-serif\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
    }

    /** One plotting area inside the SVG with its own axes. */
    public final class Panel {
        final double x0;
        final double y0;
        final double w;
        final double h;
        final double xmin;
        final double xmax;
        final boolean xlog;
        final double ymin;
        final double ymax;

        /**
         * @param x0 left of the plotting area in SVG units (axis labels go left of and below it)
         * @param xlog log10 x axis (xmin, xmax must then be positive)
         */
        public Panel(double x0, double y0, double w, double h, double xmin, double xmax, boolean xlog,
                     double ymin, double ymax) {
            if (!(xmax > xmin) || !(ymax > ymin) || (xlog && !(xmin > 0))) {
                throw new IllegalArgumentException("bad panel ranges x [" + xmin + ", " + xmax + "] y [" + ymin
                        + ", " + ymax + "]");
            }
            this.x0 = x0;
            this.y0 = y0;
            this.w = w;
            this.h = h;
            this.xmin = xmin;
            this.xmax = xmax;
            this.xlog = xlog;
            this.ymin = ymin;
            this.ymax = ymax;
        }

        public double px(double x) {
            double t = xlog ? (Math.log10(clamp(x, xmin, xmax)) - Math.log10(xmin)) / (Math.log10(xmax) - Math.log10(xmin))
                    : (clamp(x, xmin, xmax) - xmin) / (xmax - xmin);
            return x0 + t * w;
        }

        public double py(double y) {
            return y0 + h - (clamp(y, ymin, ymax) - ymin) / (ymax - ymin) * h;
        }

        private double clamp(double v, double lo, double hi) {
            return Math.max(lo, Math.min(hi, v));
        }

        /** Frame, grid, tick labels, axis titles and panel title. */
        public Panel axes(String title, String xLabel, String yLabel, double[] xTicks, String[] xTickLabels,
                          double[] yTicks) {
            rect(x0, y0, w, h, "none", "#333333", 1);
            for (int i = 0; i < xTicks.length; i++) {
                double x = px(xTicks[i]);
                line(x, y0, x, y0 + h, "#dddddd", 1, null);
                text(x, y0 + h + 14, xTickLabels != null ? xTickLabels[i] : num(xTicks[i]), 10, "middle", "#333333");
            }
            for (double t : yTicks) {
                double y = py(t);
                line(x0, y, x0 + w, y, "#dddddd", 1, null);
                text(x0 - 4, y + 3, num(t), 10, "end", "#333333");
            }
            if (title != null) {
                text(x0 + w / 2, y0 - 6, title, 12, "middle", "#000000");
            }
            if (xLabel != null) {
                text(x0 + w / 2, y0 + h + 30, xLabel, 11, "middle", "#000000");
            }
            if (yLabel != null) {
                verticalText(x0 - 34, y0 + h / 2, yLabel, 11);
            }
            return this;
        }

        public Panel series(double[] xs, double[] ys, String stroke, double strokeWidth, String dash, boolean dots) {
            double[] sx = new double[xs.length];
            double[] sy = new double[ys.length];
            for (int i = 0; i < xs.length; i++) {
                sx[i] = px(xs[i]);
                sy[i] = py(ys[i]);
            }
            polyline(sx, sy, stroke, strokeWidth, dash);
            if (dots) {
                for (int i = 0; i < xs.length; i++) {
                    if (Double.isFinite(ys[i])) {
                        circle(sx[i], sy[i], 2.5, stroke);
                    }
                }
            }
            return this;
        }

        /** Histogram as a filled step outline: counts[i] over [edges[i], edges[i+1]). */
        public Panel histogram(double[] edges, double[] heights, String color) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < heights.length; i++) {
                rect(px(edges[i]), py(heights[i]), px(edges[i + 1]) - px(edges[i]), py(ymin) - py(heights[i]),
                        color, null, 0.35);
                xs.add(px(edges[i]));
                ys.add(py(heights[i]));
                xs.add(px(edges[i + 1]));
                ys.add(py(heights[i]));
            }
            polyline(xs.stream().mapToDouble(Double::doubleValue).toArray(),
                    ys.stream().mapToDouble(Double::doubleValue).toArray(), color, 1.2, null);
            return this;
        }

        /** Legend entries stacked from (x, y) in SVG units. */
        public Panel legend(double x, double y, String[] names, String[] colors) {
            for (int i = 0; i < names.length; i++) {
                double yy = y + i * 14;
                line(x, yy - 4, x + 18, yy - 4, colors[i], 2.5, null);
                text(x + 22, yy, names[i], 10, "start", "#000000");
            }
            return this;
        }
    }
}
