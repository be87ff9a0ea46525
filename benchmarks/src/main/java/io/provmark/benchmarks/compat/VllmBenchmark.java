package io.provmark.benchmarks.compat;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.vllm.VllmCompat;
import io.provmark.core.compat.vllm.VllmDetector;
import io.provmark.core.compat.vllm.VllmEmbedder;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * vLLM compat: {@code detect} in scored tokens per second per thread (one operation is one token
 * of a {@value #TOKENS}-token uniform random text, so every context is fresh), and {@code embed}
 * in full-vocabulary decoding steps per second ({@code VllmEmbedder.step} on Gaussian logits with
 * standard deviation 4: Gumbel-max argmax, or bias + softmax sampling). Vocabulary 151936 (Qwen).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
public class VllmBenchmark {
    static final int TOKENS = 1_000;

    @Param({"gumbel", "dual_key_gumbel", "sbw-selfhash", "sbw-lefthash", "red_green", "synthid"})
    public String algorithm;

    @Param({"151936"})
    public int vocab;

    private VllmDetector detector;
    private VllmEmbedder embedder;
    private int[] tokens;
    private float[] logits;
    private float[] scratch;
    private int step;
    private SplittableRandom rnd;

    @Setup(Level.Trial)
    public void setUp() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("key", 15485863L);
        if (algorithm.startsWith("sbw")) {
            config.put("algorithm", "sbw");
            config.put("sbw_scheme", algorithm.substring(4));
        } else {
            config.put("algorithm", algorithm);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", "vllm");
        root.put("config", config);
        root.put("vocab_size", vocab);
        detector = VllmCompat.fromProfile(root);
        embedder = detector.embedder();
        rnd = new SplittableRandom(42);
        tokens = new int[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            tokens[i] = rnd.nextInt(vocab);
        }
        logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) rnd.nextGaussian() * 4;
        }
        scratch = new float[vocab];
        System.out.println(algorithm + ": " + detector.detect(tokens, new int[0], false).upstream());
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CompatResult detect() {
        return detector.detect(tokens, new int[0], false);
    }

    /** One full-vocabulary decoding step (context: a sliding window of the random text). */
    @Benchmark
    public int embed() {
        System.arraycopy(logits, 0, scratch, 0, vocab);
        step = (step + 1) % (TOKENS - 8);
        return embedder.step(tokens, step + 8, scratch, rnd.nextDouble());
    }
}
