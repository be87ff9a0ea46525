package io.provmark.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * On-CPU cost of the acceptance configurations, for shared machines where JMH's wall-clock
 * figures mostly measure how much of a core the benchmark thread got. Uses the same fixtures as
 * the JMH classes, but times with the thread's CPU clock: time-slicing by other processes is
 * excluded; cache and memory-bandwidth contention is not. Everything runs in one JVM (no forks),
 * so prefer the JMH numbers on a quiet machine.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.provmark.benchmarks.CpuTime [regex] [warmupCpuSeconds] [measureCpuSeconds]</pre>
 */
public final class CpuTime {
    private CpuTime() {
    }

    private record Case(String name, long opsPerCall, Supplier<Runnable> setup) {
    }

    private static volatile Object sink;

    public static void main(String[] args) {
        Pattern filter = Pattern.compile(args.length > 0 ? args[0] : ".*");
        double warmup = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        double measure = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (!mx.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("thread CPU time is not supported on this JVM/OS");
        }
        mx.setThreadCpuTimeEnabled(true);
        List<Case> cases = cases();
        System.out.printf(Locale.ROOT, "%-48s %14s %14s %8s%n", "case", "cpu/op", "wall/op", "cpu%");
        for (Case c : cases) {
            if (!filter.matcher(c.name).find()) {
                continue;
            }
            Runnable op = c.setup.get();
            run(op, mx, warmup);
            long[] r = run(op, mx, measure);
            double cpuPerOp = (double) r[1] / r[0];
            double wallPerOp = (double) r[2] / r[0];
            System.out.printf(Locale.ROOT, "%-48s %14s %14s %7.0f%%%n", c.name, fmt(cpuPerOp, c.opsPerCall),
                    fmt(wallPerOp, c.opsPerCall), 100.0 * r[1] / r[2]);
        }
    }

    /** Calls op until {@code cpuSeconds} of thread CPU time pass; returns {calls, cpuNanos, wallNanos}. */
    private static long[] run(Runnable op, ThreadMXBean mx, double cpuSeconds) {
        long budget = (long) (cpuSeconds * 1e9);
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long calls = 0;
        long cpu = 0;
        int batch = 1;
        do {
            long before = cpu;
            for (int i = 0; i < batch; i++) {
                op.run();
            }
            calls += batch;
            cpu = mx.getCurrentThreadCpuTime() - cpu0;
            // batches of >= ~1 ms keep the clock reads (about 1 us each) out of the figure
            if (cpu - before < 1_000_000 && batch < (1 << 20)) {
                batch *= 2;
            }
        } while (cpu < budget);
        return new long[] {calls, cpu, System.nanoTime() - wall0};
    }

    /** µs per call, or tokens/s for detection cases (opsPerCall tokens per call). */
    private static String fmt(double nanosPerCall, long opsPerCall) {
        if (opsPerCall > 1) {
            double perSecond = opsPerCall / nanosPerCall * 1e9;
            return perSecond >= 1e5 ? String.format(Locale.ROOT, "%.2f Mtok/s", perSecond / 1e6)
                    : String.format(Locale.ROOT, "%.2f ktok/s", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.2f us", nanosPerCall / 1e3);
    }

    private static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        String[] schemes = {BenchSupport.RG_LEFT, BenchSupport.RG_SELF, BenchSupport.GUMBEL, BenchSupport.SYNTHID};
        for (int vocab : new int[] {32000, 131072, 262144}) {
            for (String s : schemes) {
                out.add(new Case("embed.step " + s + " V=" + vocab, 1, () -> {
                    EmbedBenchmark b = embed(s, vocab);
                    return () -> sink = b.step();
                }));
                out.add(new Case("embed.biasLogits " + s + " V=" + vocab, 1, () -> {
                    EmbedBenchmark b = embed(s, vocab);
                    return () -> sink = b.biasLogits();
                }));
            }
            out.add(new Case("copyLogits V=" + vocab, 1, () -> {
                LogitsCopyBenchmark b = new LogitsCopyBenchmark();
                b.vocab = vocab;
                b.setUp();
                return () -> sink = b.copyLogits();
            }));
        }
        for (String s : schemes) {
            out.add(new Case("embed.candidateStep " + s + " V=131072", 1, () -> {
                EmbedBenchmark b = embed(s, 131072);
                return () -> sink = b.candidateStep();
            }));
        }
        for (String s : schemes) {
            for (String text : new String[] {"random"}) {
                out.add(new Case("detect.tape " + s + " " + text, DetectBenchmark.TOKENS, () -> {
                    DetectBenchmark b = detect(s, text);
                    return () -> sink = b.tape();
                }));
                out.add(new Case("detect.detect " + s + " " + text, DetectBenchmark.TOKENS, () -> {
                    DetectBenchmark b = detect(s, text);
                    return () -> sink = b.detect();
                }));
            }
        }
        out.add(new Case("prf.wordsFullVocab V=131072", 1, () -> prf(131072, "words")));
        out.add(new Case("prf.wordsCandidates1000", 1, () -> prf(131072, "cand")));
        out.add(new Case("prf.wordSingle", 1, () -> prf(131072, "word")));
        out.add(new Case("prf.leftHashSeed3", 1, () -> prf(131072, "seed")));
        out.add(new Case("prf.jdkAesCtrKeystream V=131072", 1, () -> prf(131072, "ctr")));
        return out;
    }

    private static EmbedBenchmark embed(String scheme, int vocab) {
        EmbedBenchmark b = new EmbedBenchmark();
        b.scheme = scheme;
        b.vocab = vocab;
        b.setUp();
        return b;
    }

    private static DetectBenchmark detect(String scheme, String text) {
        DetectBenchmark b = new DetectBenchmark();
        b.scheme = scheme;
        b.text = text;
        b.vocab = 32000;
        b.setUp();
        return b;
    }

    private static Runnable prf(int vocab, String what) {
        PrfBenchmark b = new PrfBenchmark();
        b.vocab = vocab;
        try {
            b.setUp();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        switch (what) {
            case "words":
                return () -> sink = b.wordsFullVocab();
            case "cand":
                return () -> sink = b.wordsCandidates1000();
            case "word":
                return () -> sink = b.wordSingle();
            case "seed":
                return () -> sink = b.leftHashSeed3();
            default:
                return () -> {
                    try {
                        sink = b.jdkAesCtrKeystream();
                    } catch (java.security.GeneralSecurityException e) {
                        throw new IllegalStateException(e);
                    }
                };
        }
    }
}
