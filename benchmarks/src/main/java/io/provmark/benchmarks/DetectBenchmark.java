package io.provmark.benchmarks;

import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.scheme.WatermarkScheme;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Detection throughput per thread, in tokens per second: one operation is one token of a
 * {@value #TOKENS}-token text after a {@value #PROMPT}-token prompt, scored with the scheme's
 * default profile and {@code provmark-prf-v1}. {@code detect} is the whole call (scored mask,
 * dedup, PRF, p-value); {@code tape} stops before the p-value, so the difference is the tail
 * computation. With a prompt of full context width, every token is scored except dedup
 * duplicates; setup prints the scored count so tokens/s can be turned into scored tokens/s.
 *
 * <p>{@code text=random}: uniform random ids (unwatermarked, the common case for a verifier);
 * {@code text=watermarked}: generated through the scheme's embedder from the Zipf model, so the
 * p-value is deep in the tail (which can cost more for the exact SynthID convolution).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
public class DetectBenchmark {
    static final int TOKENS = 10_000;
    static final int PROMPT = 32;

    @Param({BenchSupport.RG_LEFT, BenchSupport.RG_SELF, BenchSupport.GUMBEL, BenchSupport.SYNTHID})
    public String scheme;

    @Param({"random", "watermarked"})
    public String text;

    /** Detection cost hardly depends on V (only self-hash's per-key tables grow with it). */
    @Param({"32000"})
    public int vocab;

    private Detector detector;
    private int[] tokens;
    private int[] prompt;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.warmUpAesCtr();
        WatermarkScheme s = BenchSupport.scheme(scheme, vocab);
        detector = new Detector(s);
        SplittableRandom rnd = new SplittableRandom(1234);
        prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = rnd.nextInt(vocab);
        }
        switch (text) {
            case "random":
                tokens = new int[TOKENS];
                for (int i = 0; i < TOKENS; i++) {
                    tokens[i] = rnd.nextInt(vocab);
                }
                break;
            case "watermarked":
                Generator g = new Generator(new ZipfLogitsModel(vocab, BenchSupport.ZIPF_EXPONENT,
                        BenchSupport.MODEL_CONTEXT), 1.0);
                tokens = g.generate(s.embedder(), prompt, TOKENS, 99);
                break;
            default:
                throw new IllegalArgumentException("text must be random or watermarked, got '" + text + "'");
        }
        // also builds self-hash tables and per-thread scratch outside the measurement
        Evidence e = detector.detect(tokens, prompt, false);
        System.out.printf("%n[setup] %s/%s: scored %d of %d tokens, %s = %.4f, log10 p = %.1f%n", scheme, text,
                e.numScored(), e.numTokens(), e.statisticName(), e.statistic(), e.log10PValue());
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public Evidence detect() {
        return detector.detect(tokens, prompt, false);
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public Detector.Tape tape() {
        return detector.tape(tokens, prompt, false);
    }
}
