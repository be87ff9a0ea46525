package io.provmark.benchmarks;

import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.WatermarkScheme;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One embed-hook call per operation, per scheme and vocabulary size, in the three forms a serving
 * stack uses: {@code step} over the full vocabulary, {@code biasLogits} over the full vocabulary,
 * and {@code candidateStep} over a 1,000-token candidate set (the top-1000 logits, as after
 * top-k). Inputs (contexts, Zipf logits, candidate sets, the caller's uniforms) are precomputed;
 * the benchmark cycles through {@value #INPUTS} distinct ones so neither the repeated-context
 * check nor a branch predictor sees the same call twice in a row.
 *
 * <p>{@code biasLogits} rewrites its argument, so each call first copies the precomputed logits
 * into a work array; {@link LogitsCopyBenchmark} measures that copy alone so it can be subtracted.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class EmbedBenchmark {
    static final int INPUTS = 16;
    /** Tokens of context (prompt + text so far) passed to each call. */
    static final int CONTEXT_LENGTH = 512;
    static final int CANDIDATES = 1000;

    @Param({BenchSupport.RG_LEFT, BenchSupport.RG_SELF, BenchSupport.GUMBEL, BenchSupport.SYNTHID})
    public String scheme;

    @Param({"32000", "131072", "262144"})
    public int vocab;

    private Embedder embedder;
    private int[][] contexts;
    private float[][] logits;
    private int[][] candidates;
    private float[][] candidateLogits;
    private double[] r;
    private float[] work;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.warmUpAesCtr();
        WatermarkScheme s = BenchSupport.scheme(scheme, vocab);
        embedder = s.embedder();
        contexts = BenchSupport.distinctContexts(INPUTS, CONTEXT_LENGTH, vocab, s.profile().contextWidth(), 42);
        logits = BenchSupport.logits(contexts, vocab);
        candidates = new int[INPUTS][];
        candidateLogits = new float[INPUTS][];
        for (int k = 0; k < INPUTS; k++) {
            candidates[k] = BenchSupport.topK(logits[k], CANDIDATES);
            candidateLogits[k] = BenchSupport.gather(logits[k], candidates[k]);
        }
        r = BenchSupport.uniforms(INPUTS, 7);
        work = new float[vocab];
        // builds lazy per-key tables (self-hash) and per-thread scratch outside the measurement
        embedder.step(contexts[0], CONTEXT_LENGTH, logits[0], r[0]);
        embedder.step(contexts[0], CONTEXT_LENGTH, candidates[0], candidateLogits[0], CANDIDATES, r[0]);
    }

    private int nextInput() {
        int k = next;
        next = (k + 1) & (INPUTS - 1);
        return k;
    }

    @Benchmark
    public int step() {
        int k = nextInput();
        return embedder.step(contexts[k], CONTEXT_LENGTH, logits[k], r[k]);
    }

    /** Includes one {@code vocab}-float array copy; see {@link LogitsCopyBenchmark}. */
    @Benchmark
    public float biasLogits() {
        int k = nextInput();
        float[] w = work;
        System.arraycopy(logits[k], 0, w, 0, vocab);
        embedder.biasLogits(contexts[k], CONTEXT_LENGTH, w);
        return w[k];
    }

    @Benchmark
    public int candidateStep() {
        int k = nextInput();
        return embedder.step(contexts[k], CONTEXT_LENGTH, candidates[k], candidateLogits[k], CANDIDATES, r[k]);
    }
}
