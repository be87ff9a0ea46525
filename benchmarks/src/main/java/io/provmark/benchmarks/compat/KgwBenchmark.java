package io.provmark.benchmarks.compat;

import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.kgw.HfKgwCompat;
import io.provmark.core.compat.kgw.KgwEmbedder;
import io.provmark.core.compat.kgw.LmWatermarkingKgwCompat;
import io.provmark.core.compat.threebricks.ThreeBricksCompat;
import java.math.BigInteger;
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
 * Compat scorers (Hugging Face KGW, lm-watermarking KGW, Three Bricks) in scored tokens per second
 * per thread: one operation is one token of a {@value #TOKENS}-token uniform random text (every
 * ngram distinct, so nothing is served from the per-call cache). Each token costs one torch
 * MT19937 seeding plus up to {@code int(gamma V)} draws (KGW, Maryland: the id is followed through
 * the Fisher-Yates prefix, stopping once it lands) or {@code token} skipped words (Openai).
 * {@code embed} is one Hugging Face KGW {@code biasLogits} step (selfhash: 40 candidates tried).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
public class KgwBenchmark {
    static final int TOKENS = 1_000;

    @Param({"hf-lefthash", "hf-selfhash-cw4", "lm-simple_1", "lm-selfhash", "tb-maryland", "tb-openai"})
    public String upstream;

    @Param({"50257"})
    public int vocab;

    private CompatDetector detector;
    private KgwEmbedder embedder;
    private int[] tokens;
    private float[] logits;
    private float[] scratch;
    private int step;

    @Setup(Level.Trial)
    public void setUp() {
        detector = create(upstream, vocab);
        if (detector instanceof HfKgwCompat) {
            embedder = ((HfKgwCompat) detector).embedder();
        } else if (detector instanceof LmWatermarkingKgwCompat) {
            embedder = ((LmWatermarkingKgwCompat) detector).embedder();
        }
        SplittableRandom rnd = new SplittableRandom(42);
        tokens = new int[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            tokens[i] = rnd.nextInt(vocab);
        }
        logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) rnd.nextGaussian() * 4;
        }
        scratch = new float[vocab];
        Map<String, Object> up = detector.detect(tokens, new int[0], false).upstream();
        System.out.println(upstream + ": scored " + up.getOrDefault("num_tokens_scored", up.get("num_scored")) + " of " + TOKENS);
    }

    static CompatDetector create(String upstream, int vocab) {
        BigInteger key = BigInteger.valueOf(15485863L);
        switch (upstream) {
            case "hf-lefthash":
                return HfKgwCompat.of(vocab, 0.25, 2.0, key, "lefthash", 1);
            case "hf-selfhash-cw4":
                return HfKgwCompat.of(vocab, 0.25, 2.0, key, "selfhash", 4);
            case "lm-simple_1":
                return LmWatermarkingKgwCompat.of(vocab, 0.25, 2.0, "simple_1");
            case "lm-selfhash":
                return LmWatermarkingKgwCompat.of(vocab, 0.25, 2.0, "selfhash");
            case "tb-maryland":
            case "tb-openai": {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("method", upstream.substring(3));
                config.put("ngram", 4);
                config.put("seed", 42);
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("scheme", "three-bricks");
                root.put("vocab_size", vocab);
                root.put("config", config);
                return ThreeBricksCompat.fromProfile(root);
            }
            default:
                throw new IllegalArgumentException("unknown upstream '" + upstream + "'");
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CompatResult detect() {
        return detector.detect(tokens, new int[0], false);
    }

    /** One generation step's bias (KGW only; Three Bricks reports the detect cost twice). */
    @Benchmark
    public float[] embed() {
        System.arraycopy(logits, 0, scratch, 0, vocab);
        if (embedder != null) {
            step = (step + 1) % (TOKENS - 8);
            embedder.biasLogits(tokens, step + 8, scratch);
        }
        return scratch;
    }
}
