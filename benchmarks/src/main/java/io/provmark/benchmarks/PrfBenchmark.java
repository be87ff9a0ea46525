package io.provmark.benchmarks;

import io.provmark.core.prf.ProvmarkPrf;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * {@code provmark-prf-v1} primitives: a full-vocabulary word pass (one AES-CTR keystream of
 * vocab/4 blocks), a 1,000-token candidate pass, one token's word, and a left-hash context seed.
 * {@code jdkAesCtrKeystream} is a reference, not a provmark API: the same number of AES-256 blocks
 * straight through the JDK's {@code AES/CTR/NoPadding} (re-initialised with a fresh IV each call,
 * as {@code words} does), i.e. the floor for the full-vocabulary pass; the difference is
 * {@code words}' own work (turning the keystream into ints). See
 * {@link BenchSupport#warmUpAesCtr()} for why setup warms the CTR path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class PrfBenchmark {
    static final int SEEDS = 16;

    @Param({"131072"})
    public int vocab;

    private ProvmarkPrf prf;
    private byte[][] seeds;
    private int[] out;
    private int[] candidates;
    private int[] candidateOut;
    private int[] context;
    private byte[] seedOut;
    private int next;
    private Cipher ctr;
    private SecretKeySpec ctrKey;
    private byte[] ctrIn;
    private byte[] ctrOut;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        prf = new ProvmarkPrf(BenchSupport.benchKey(), "red-green");
        SplittableRandom rnd = new SplittableRandom(5);
        seeds = new byte[SEEDS][ProvmarkPrf.SEED_BYTES];
        for (byte[] s : seeds) {
            for (int i = 0; i < s.length; i++) {
                s[i] = (byte) rnd.nextInt(256);
            }
        }
        out = new int[vocab];
        candidates = new int[1000];
        for (int i = 0; i < candidates.length; i++) {
            candidates[i] = rnd.nextInt(vocab);
        }
        candidateOut = new int[candidates.length];
        context = new int[64];
        for (int i = 0; i < context.length; i++) {
            context[i] = rnd.nextInt(vocab);
        }
        seedOut = new byte[ProvmarkPrf.SEED_BYTES];
        byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) rnd.nextInt(256);
        }
        ctrKey = new SecretKeySpec(k, "AES");
        ctr = Cipher.getInstance("AES/CTR/NoPadding");
        int bytes = ((vocab + 3) >>> 2) * 16;
        ctrIn = new byte[bytes];
        ctrOut = new byte[bytes];
        BenchSupport.warmUpAesCtr();
    }

    private byte[] nextSeed() {
        int k = next;
        next = (k + 1) & (SEEDS - 1);
        return seeds[k];
    }

    /** One full-vocabulary step's PRF work. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int wordsFullVocab() {
        prf.words(nextSeed(), vocab, out);
        return out[next];
    }

    @Benchmark
    public int wordsCandidates1000() {
        prf.words(nextSeed(), candidates, candidates.length, candidateOut);
        return candidateOut[next];
    }

    /** One token's word: half of a left-hash detection step's PRF work. */
    @Benchmark
    public int wordSingle() {
        int k = next;
        return prf.word(nextSeed(), context[k]);
    }

    /** Seed of a 3-token context (one AES block, as for h = 1..3): the other half. */
    @Benchmark
    public byte leftHashSeed3() {
        int k = next;
        next = (k + 1) & (SEEDS - 1);
        prf.leftHashSeed(context, k, k + 3, seedOut);
        return seedOut[0];
    }

    /** Reference: the same keystream length through the JDK's AES/CTR (intrinsified on x86 with AES-NI). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte jdkAesCtrKeystream() throws GeneralSecurityException {
        byte[] iv = new byte[16];
        System.arraycopy(nextSeed(), 0, iv, 0, ProvmarkPrf.SEED_BYTES);
        ctr.init(Cipher.ENCRYPT_MODE, ctrKey, new IvParameterSpec(iv));
        ctr.doFinal(ctrIn, 0, ctrIn.length, ctrOut, 0);
        return ctrOut[next];
    }
}
