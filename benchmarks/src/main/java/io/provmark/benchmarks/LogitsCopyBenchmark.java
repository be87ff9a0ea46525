package io.provmark.benchmarks;

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
 * The logits copy that {@link EmbedBenchmark#biasLogits} does before each call, alone and with the
 * same access pattern (same {@value EmbedBenchmark#INPUTS} source arrays, cycled), so it can be
 * subtracted from the biasLogits figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class LogitsCopyBenchmark {
    @Param({"32000", "131072", "262144"})
    public int vocab;

    private float[][] logits;
    private float[] work;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        int[][] contexts = BenchSupport.distinctContexts(EmbedBenchmark.INPUTS, EmbedBenchmark.CONTEXT_LENGTH, vocab, 1, 42);
        logits = BenchSupport.logits(contexts, vocab);
        work = new float[vocab];
    }

    @Benchmark
    public float copyLogits() {
        int k = next;
        next = (k + 1) & (EmbedBenchmark.INPUTS - 1);
        float[] w = work;
        System.arraycopy(logits[k], 0, w, 0, vocab);
        return w[k];
    }
}
