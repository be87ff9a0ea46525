package io.provmark.benchmarks.compat;

import io.provmark.core.compat.CompatResult;
import io.provmark.core.compat.synthid.DeepMindSynthIdCompat;
import io.provmark.core.compat.synthid.HfSynthIdCompat;
import io.provmark.core.compat.synthid.SynthIdCompat;
import io.provmark.core.lm.Generator;
import io.provmark.core.lm.ZipfLogitsModel;
import io.provmark.core.scheme.Embedder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * SynthID compat scorers (Hugging Face port / DeepMind HEAD, default 30 public keys, ngram_len 5)
 * in tokens per second per thread: one operation is one token of a {@value #TOKENS}-token text
 * (996 ngrams scored; setup prints the count). {@code detect} is the whole call: g-values,
 * repetition and EOS masks, upstream's float32 scores and provmark's evidence (score=mean: exact
 * binomial; score=weighted_mean: 996 positions exceed the exact-convolution limit, so a Chernoff
 * bound). {@code text=watermarked} is generated through the variant's own embedder from the Zipf
 * model. {@code embedStep} is one full-vocabulary generation step (HF processor; DeepMind with
 * temperature 0.7 and top-k 40), in steps per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
public class SynthIdBenchmark {
    static final int TOKENS = 1_000;
    static final int PROMPT = 4;

    @Param({"hf-synthid", "deepmind-synthid"})
    public String upstream;

    @Param({"random", "watermarked"})
    public String text;

    @Param({"mean", "weighted_mean"})
    public String score;

    @Param({"32000"})
    public int vocab;

    private SynthIdCompat detector;
    private Embedder embedder;
    private int[] tokens;
    private int[] ids;
    private float[] logits;
    private SplittableRandom rnd;
    private int step;

    /** Public default keys of synthid_mixin.DEFAULT_WATERMARKING_CONFIG: benchmark inputs, not secrets. */
    static final long[] KEYS = {654, 400, 836, 123, 340, 443, 597, 160, 57, 29, 590, 639, 13, 715, 468, 990, 966, 226,
        324, 585, 118, 504, 421, 521, 129, 669, 732, 225, 90, 960};

    static SynthIdCompat create(String upstream, int vocab, String score) {
        List<Object> keys = new ArrayList<>();
        for (long k : KEYS) {
            keys.add(k);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ngram_len", 5);
        config.put("keys", keys);
        if (upstream.equals(DeepMindSynthIdCompat.SCHEME)) {
            config.put("temperature", 0.7);
            config.put("top_k", 40);
        }
        Map<String, Object> detector = new LinkedHashMap<>();
        detector.put("eos_token_id", 1);
        detector.put("score", score);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scheme", upstream);
        root.put("vocab_size", vocab);
        root.put("config", config);
        root.put("detector", detector);
        switch (upstream) {
            case HfSynthIdCompat.SCHEME:
                return HfSynthIdCompat.fromProfile(root);
            case DeepMindSynthIdCompat.SCHEME:
                return DeepMindSynthIdCompat.fromProfile(root);
            default:
                throw new IllegalArgumentException("unknown upstream '" + upstream + "'");
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        detector = create(upstream, vocab, score);
        embedder = detector.embedder(PROMPT);
        rnd = new SplittableRandom(42);
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = 2 + rnd.nextInt(vocab - 2);
        }
        switch (text) {
            case "random":
                tokens = new int[TOKENS];
                for (int i = 0; i < TOKENS; i++) {
                    tokens[i] = 2 + rnd.nextInt(vocab - 2); // ids 0 and 1 (eos) avoided
                }
                break;
            case "watermarked":
                tokens = new Generator(new ZipfLogitsModel(vocab, 1.1, 4), 1.0).generate(embedder, prompt, TOKENS, 99);
                break;
            default:
                throw new IllegalArgumentException("text must be random or watermarked, got '" + text + "'");
        }
        ids = new int[PROMPT + TOKENS];
        System.arraycopy(prompt, 0, ids, 0, PROMPT);
        System.arraycopy(tokens, 0, ids, PROMPT, TOKENS);
        logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) rnd.nextGaussian() * 3;
        }
        CompatResult r = detector.detect(tokens, prompt, false);
        System.out.println(upstream + "/" + text + "/" + score + ": evidence scored " + r.evidence().numScored()
                + " of " + TOKENS + ", log10 p = " + r.evidence().log10PValue() + ", upstream " + r.upstream());
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public CompatResult detect() {
        return detector.detect(tokens, new int[0], false);
    }

    /** One generation step over the full vocabulary (context = a growing slice of the text). */
    @Benchmark
    public int embedStep() {
        step = (step + 1) % (TOKENS - 8);
        return embedder.step(ids, PROMPT + 8 + step, logits, rnd.nextDouble());
    }
}
