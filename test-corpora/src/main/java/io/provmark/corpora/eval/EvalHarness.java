package io.provmark.corpora.eval;

import io.provmark.core.detect.Detector;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Embedder;
import io.provmark.core.scheme.NullModel;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenizerException;
import io.provmark.core.text.Tokenizers;
import io.provmark.corpora.human.BrownCorpus;
import io.provmark.corpora.human.DocumentChunker;
import io.provmark.corpora.human.HumanCorpora;
import io.provmark.corpora.human.HumanDocument;
import io.provmark.corpora.human.KingJamesBible;
import io.provmark.corpora.human.SourceUnit;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * The robustness evaluation (docs/eval.md): watermarked answers of the built-in Kneser-Ney model to Brown
 * test prompts, every configured attack applied to them, detection with each scheme, and the metrics and
 * plots of {@link EvalReport}.
 *
 * <p>Data, all from the fixed train/test split of docs/corpora.md:
 * <ul>
 *   <li>Brown <b>train</b> units are split in two halves (within each category, by the SHA-256 of
 *       {@code provmark-eval-v1|UNIT}, alternately): the <em>generator</em> model is trained on one, the
 *       <em>judge</em> model that measures perplexity (the text-quality proxy) on the other, so the judge has
 *       never seen the generator's training text.</li>
 *   <li>Brown <b>test</b> documents with at least prompt_tokens + max_tokens tokens, in a seeded order, give
 *       the prompts (their first prompt_tokens tokens) and the human text of copy-paste (the rest).</li>
 *   <li>The human null set: other Brown test documents and KJV test documents, in a seeded order.</li>
 * </ul>
 *
 * <p>Determinism: keys, sampling, document order and each (attack, text) edit come from the config's seed;
 * results do not depend on the thread count. Keys are derived from the seed so the run can be reproduced;
 * real keys come from {@link WatermarkKey#generate} and are never derived.
 */
public final class EvalHarness {
    public static final double[] ALPHAS = {1e-2, 1e-3, 1e-4};
    private static final long PROGRESS_NANOS = 2_000_000_000L;

    private final EvalConfig cfg;
    private final PrintStream progress;

    public EvalHarness(EvalConfig cfg, PrintStream progress) {
        this.cfg = cfg;
        this.progress = progress;
    }

    /** Scores of one set of texts under one scheme. */
    public record Scores(double[] lnP, double[] z, int[] tokens, double[][] prefixLnP, double nll, long nllTokens) {
    }

    /** Everything the report needs. */
    public record Result(EvalConfig config, Map<String, Object> data, List<SchemeResult> schemes,
                         Scores humanPerplexity, double unwatermarkedNll, long unwatermarkedTokens, double seconds,
                         double loadAverageStart, double loadAverageEnd) {
    }

    /** One scheme's scores: human null, unwatermarked generations and each attack. */
    public record SchemeResult(EvalConfig.SchemeSpec spec, Profile profile, Scores human, Scores unwatermarked,
                               List<Attack> attacks, List<Scores> attacked, double seconds) {
    }

    private record Prompt(String docId, int[] prompt, int[] human) {
    }

    public Result run() throws IOException {
        long t0 = System.nanoTime();
        loadStart = loadAverage();
        Path dataDir = cfg.dataDir() != null ? cfg.dataDir().toAbsolutePath() : HumanCorpora.dataDir();
        Path brownDir = dataDir.resolve("brown");
        if (!Files.isRegularFile(brownDir.resolve("cats.txt"))) {
            throw new EvalException("Brown corpus not found: no " + brownDir.resolve("cats.txt")
                    + "; run scripts/fetch-corpora.sh (or set data_dir in the config)");
        }
        Path kjvFile = dataDir.resolve("kjv").resolve("kjv.tsv");
        if (cfg.humanKjv() > 0 && !Files.isRegularFile(kjvFile)) {
            throw new EvalException("King James Bible not found: no " + kjvFile
                    + "; run scripts/fetch-corpora.sh (or set human_kjv to 0)");
        }
        Path wordNetDir = dataDir.resolve("wordnet");
        boolean needsWordNet = cfg.attacks().stream().anyMatch(a -> a.type().equals("synonym"));
        if (needsWordNet && !WordNet.available(wordNetDir)) {
            throw new EvalException("WordNet not found in " + wordNetDir
                    + " (needed by the synonym attack); run scripts/fetch-corpora.sh");
        }
        TextTokenizer tok;
        try {
            tok = Tokenizers.byId(cfg.tokenizer());
        } catch (TokenizerException e) {
            throw new EvalException("tokenizer: " + e.getMessage());
        }
        int threads = cfg.threads() > 0 ? cfg.threads() : Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "eval-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            return run(tok, brownDir, kjvFile, wordNetDir, pool, threads, t0);
        } finally {
            pool.shutdownNow();
        }
    }

    private Result run(TextTokenizer tok, Path brownDir, Path kjvFile, Path wordNetDir, ExecutorService pool,
                       int threads, long t0) throws IOException {
        log("tokenizer %s, %d threads, seed %d", tok.id(), threads, cfg.seed());
        DocumentChunker chunker = HumanCorpora.chunker(tok);
        List<SourceUnit> brown = BrownCorpus.read(brownDir);
        if (brown.isEmpty()) {
            throw new EvalException("Brown corpus in " + brownDir + " has no documents");
        }
        // ---- models: generator and judge on disjoint halves of the Brown train split
        List<SourceUnit> train = HumanCorpora.select(brown, HumanCorpora.Split.TRAIN);
        List<List<SourceUnit>> halves = halves(train);
        List<int[]> genDocs = encode(HumanCorpora.documents(halves.get(0), chunker), tok, pool);
        List<int[]> judgeDocs = encode(HumanCorpora.documents(halves.get(1), chunker), tok, pool);
        KneserNeyModel generator = KneserNeyModel.train(genDocs, tok.vocabSize(), cfg.knOrder(), tok.id(),
                tok.vocabularySha256());
        KneserNeyModel judge = KneserNeyModel.train(judgeDocs, tok.vocabSize(), cfg.knOrder(), tok.id(),
                tok.vocabularySha256());
        log("models: generator on %d Brown train units (%d tokens), judge on %d units (%d tokens), order %d, %.0fs",
                halves.get(0).size(), generator.tokensTrained(), halves.get(1).size(), judge.tokensTrained(),
                cfg.knOrder(), secs(t0));
        int[] unigram = concat(genDocs);

        // ---- prompts and the human null set from the test split
        List<HumanDocument> brownTest = HumanCorpora.documents(HumanCorpora.select(brown, HumanCorpora.Split.TEST), chunker);
        List<int[]> brownTestIds = encode(brownTest, tok, pool);
        List<Integer> order = seededOrder(brownTest.size(), "prompts");
        List<Prompt> prompts = new ArrayList<>();
        List<int[]> human = new ArrayList<>();
        int humanBrown = 0;
        int need = cfg.promptTokens() + cfg.maxTokens();
        for (int i : order) {
            int[] ids = brownTestIds.get(i);
            if (prompts.size() < cfg.prompts() && ids.length >= need) {
                prompts.add(new Prompt(brownTest.get(i).id(), Arrays.copyOf(ids, cfg.promptTokens()),
                        Arrays.copyOfRange(ids, cfg.promptTokens(), ids.length)));
            } else if (humanBrown < cfg.humanBrown() && ids.length < need) {
                // documents long enough to be prompts are kept out of the null set, whatever the count
                human.add(ids);
                humanBrown++;
            }
        }
        if (prompts.size() < cfg.prompts()) {
            throw new EvalException("only " + prompts.size() + " Brown test documents have at least " + need
                    + " tokens; lower prompts, prompt_tokens or max_tokens (asked for " + cfg.prompts() + " prompts)");
        }
        int humanKjv = 0;
        if (cfg.humanKjv() > 0) {
            List<SourceUnit> kjv = KingJamesBible.read(kjvFile);
            List<HumanDocument> kjvTest = HumanCorpora.documents(HumanCorpora.select(kjv, HumanCorpora.Split.TEST), chunker);
            List<Integer> ko = seededOrder(kjvTest.size(), "kjv");
            List<HumanDocument> chosen = new ArrayList<>();
            for (int i = 0; i < Math.min(cfg.humanKjv(), ko.size()); i++) {
                chosen.add(kjvTest.get(ko.get(i)));
            }
            human.addAll(encode(chosen, tok, pool));
            humanKjv = chosen.size();
        }
        long humanTokens = human.stream().mapToLong(a -> a.length).sum();
        log("prompts: %d Brown test documents (%d prompt tokens, %d generated); human null set: %d Brown + %d KJV"
                + " test documents (%d tokens)", prompts.size(), cfg.promptTokens(), cfg.maxTokens(), humanBrown,
                humanKjv, humanTokens);

        // ---- attacks
        Attacks.Resources res = new Attacks.Resources(tok, unigram, generator, cfg.topK(), memo(() -> {
            try {
                WordNet wn = WordNet.load(wordNetDir);
                log("WordNet: %d words with synonyms", wn.size());
                return wn;
            } catch (IOException e) {
                throw new EvalException(e.getMessage(), e);
            }
        }));
        List<Attack> attacks = new ArrayList<>();
        for (EvalConfig.AttackSpec a : cfg.attacks()) {
            attacks.add(Attacks.create(a.type(), a.param(), res));
        }

        // ---- unwatermarked generations (a second null set, and the quality reference)
        Sampler gen = new Sampler(generator, cfg.temperature(), cfg.topK());
        long tg = System.nanoTime();
        List<int[]> plain = parallel(pool, prompts.size(), "unwatermarked generation",
                i -> gen.generate(null, prompts.get(i).prompt(), cfg.maxTokens(), mix("gen", i)));
        List<int[]> plainText = parallel(pool, plain.size(), null, i -> Attacks.retokenize(tok, plain.get(i)));
        log("unwatermarked: %d answers, %.0f tokens/s", plain.size(),
                plain.size() * (double) cfg.maxTokens() / secs(tg));
        double[] plainNll = nll(judge, plainText);
        Scores humanQuality = qualityOf(judge, human.subList(0, humanBrown));

        // ---- schemes
        List<SchemeResult> results = new ArrayList<>();
        for (int si = 0; si < cfg.schemes().size(); si++) {
            EvalConfig.SchemeSpec spec = cfg.schemes().get(si);
            long ts = System.nanoTime();
            WatermarkKey key = new WatermarkKey("eval-" + spec.name(), sha256("provmark-eval-key-v1|" + cfg.seed()
                    + "|" + spec.name()), 0);
            String profileTok = io.provmark.core.text.Tokenizers.isJtokkit(tok.id()) ? tok.id() : "none";
            Profile profile = new Profile(spec.params().scheme(), spec.params(), ProvmarkPrf.ID, spec.contextWidth(),
                    profileTok, tok.vocabSize(), key.id(), DedupRule.PRF_INPUT, false, -1);
            WatermarkScheme scheme = Schemes.create(profile, key);
            Embedder embedder = scheme.embedder();
            Detector detector = new Detector(scheme);
            String tag = spec.name();
            long tw = System.nanoTime();
            List<int[]> wm = parallel(pool, prompts.size(), tag + ": watermarked generation",
                    i -> gen.generate(embedder, prompts.get(i).prompt(), cfg.maxTokens(), mix("gen", i)));
            log("%s: %d watermarked answers, %.0f tokens/s", tag, wm.size(),
                    wm.size() * (double) cfg.maxTokens() / secs(tw));
            Scores humanScores = score(detector, human, pool, tag + ": human null set", null);
            Scores plainScores = score(detector, plainText, pool, tag + ": unwatermarked", null);
            List<Scores> attacked = new ArrayList<>();
            for (int ai = 0; ai < attacks.size(); ai++) {
                Attack attack = attacks.get(ai);
                String aname = attack.name();
                List<int[]> edited = parallel(pool, wm.size(), null, i -> attack.apply(
                        new Attack.Input(wm.get(i), prompts.get(i).human()), new SplittableRandom(mix(aname, i))));
                Scores s = score(detector, edited, pool, null, judge);
                attacked.add(s);
                log("%s: attack %d/%d %-16s median log10 p %7.2f  TPR@1e-3 %.3f", tag, ai + 1, attacks.size(), aname,
                        Metrics.median(log10(s.lnP())), Metrics.rateAtAlpha(s.lnP(), 1e-3));
            }
            double sec = secs(ts);
            log("%s: done in %.0fs", tag, sec);
            results.add(new SchemeResult(spec, profile, humanScores, plainScores, attacks, attacked, sec));
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("generator_units", halves.get(0).size());
        data.put("generator_tokens", generator.tokensTrained());
        data.put("judge_units", halves.get(1).size());
        data.put("judge_tokens", judge.tokensTrained());
        data.put("prompts", prompts.size());
        data.put("prompt_ids", prompts.stream().map(Prompt::docId).toList());
        data.put("human_brown", humanBrown);
        data.put("human_kjv", humanKjv);
        data.put("human_tokens", humanTokens);
        data.put("threads", threads);
        return new Result(cfg, data, results, humanQuality, plainNll[0], (long) plainNll[1], secs(t0), loadStart,
                loadAverage());
    }

    private double loadStart;

    /** The machine's 1-minute load average (-1 where the platform has none): timings mean little without it. */
    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    // ------------------------------------------------------------------------------------------- scoring

    /** Detection of every text (no prompt, profile defaults), with p-values of prefixes and judge perplexity. */
    private Scores score(Detector detector, List<int[]> texts, ExecutorService pool, String what,
                         KneserNeyModel judge) {
        NullModel nm = memo(detector.scheme().nullModel());
        int nl = cfg.lengths().size();
        List<double[]> rows = parallel(pool, texts.size(), what, i -> {
            int[] t = texts.get(i);
            Detector.Tape tape = detector.tape(t, new int[0], false);
            double[] row = new double[4 + nl];
            double sum = tape.sum();
            int n = tape.size();
            row[0] = n == 0 ? 0.0 : Math.min(0.0, nm.logPValue(n, sum));
            row[1] = nm.z(n, sum);
            row[2] = t.length;
            // prefixes: the scored mask is sequential, so the tape of a prefix is a prefix of the tape
            for (int li = 0; li < nl; li++) {
                int len = cfg.lengths().get(li);
                if (t.length < len) {
                    row[3 + li] = Double.NaN; // too short to have this prefix
                    continue;
                }
                if (t.length == len) {
                    row[3 + li] = row[0];
                    continue;
                }
                int k = 0;
                double s = 0;
                while (k < n && tape.tokenIndex()[k] < len) {
                    s += tape.values()[k];
                    k++;
                }
                row[3 + li] = k == 0 ? 0.0 : Math.min(0.0, nm.logPValue(k, s));
            }
            if (judge != null) {
                double sNll = 0;
                for (int p = 0; p < t.length; p++) {
                    sNll -= Math.log(judge.probability(t, p, t[p]));
                }
                row[3 + nl] = sNll;
            }
            return row;
        });
        int m = rows.size();
        double[] lnP = new double[m];
        double[] z = new double[m];
        int[] tokens = new int[m];
        double[][] prefix = new double[nl][m];
        double nll = 0;
        long nllTokens = 0;
        for (int i = 0; i < m; i++) {
            double[] r = rows.get(i);
            lnP[i] = r[0];
            z[i] = r[1];
            tokens[i] = (int) r[2];
            for (int li = 0; li < nl; li++) {
                prefix[li][i] = r[3 + li];
            }
            if (judge != null) {
                nll += r[3 + nl];
                nllTokens += tokens[i];
            }
        }
        return new Scores(lnP, z, tokens, prefix, judge == null ? Double.NaN : nll, nllTokens);
    }

    /**
     * The null model's p-values memoised by (n, sum): SynthID's exact weighted tail costs tens of
     * milliseconds per call, and prefixes and edited texts repeat (n, sum) pairs.
     */
    private static NullModel memo(NullModel nm) {
        java.util.concurrent.ConcurrentHashMap<String, Double> cache = new java.util.concurrent.ConcurrentHashMap<>();
        return new NullModel() {
            @Override
            public String statisticName() {
                return nm.statisticName();
            }

            @Override
            public double statistic(long n, double sum) {
                return nm.statistic(n, sum);
            }

            @Override
            public double logPValue(long n, double sum) {
                return cache.computeIfAbsent(n + ":" + Double.doubleToLongBits(sum), k -> nm.logPValue(n, sum));
            }

            @Override
            public double mean() {
                return nm.mean();
            }

            @Override
            public double variance() {
                return nm.variance();
            }

            @Override
            public double z(long n, double sum) {
                return nm.z(n, sum);
            }
        };
    }

    private Scores qualityOf(KneserNeyModel judge, List<int[]> texts) {
        double[] r = nll(judge, texts);
        return new Scores(new double[0], new double[0], new int[0], new double[0][], r[0], (long) r[1]);
    }

    /** {total NLL, tokens} of texts under the judge. */
    private static double[] nll(KneserNeyModel judge, List<int[]> texts) {
        double s = 0;
        long n = 0;
        for (int[] t : texts) {
            for (int p = 0; p < t.length; p++) {
                s -= Math.log(judge.probability(t, p, t[p]));
            }
            n += t.length;
        }
        return new double[] {s, n};
    }

    static double[] log10(double[] lnP) {
        double[] out = new double[lnP.length];
        for (int i = 0; i < lnP.length; i++) {
            out[i] = lnP[i] / Math.log(10);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** Brown train units in two halves: within each category by SHA-256 order, alternately. */
    private List<List<SourceUnit>> halves(List<SourceUnit> train) {
        Map<String, List<SourceUnit>> strata = new LinkedHashMap<>();
        for (SourceUnit u : train) {
            strata.computeIfAbsent(u.genre(), g -> new ArrayList<>()).add(u);
        }
        List<SourceUnit> a = new ArrayList<>();
        List<SourceUnit> b = new ArrayList<>();
        for (List<SourceUnit> s : strata.values()) {
            List<SourceUnit> sorted = new ArrayList<>(s);
            sorted.sort(Comparator.comparing(u -> HexFormat.of().formatHex(sha256("provmark-eval-v1|" + u.unit()))));
            for (int i = 0; i < sorted.size(); i++) {
                (i % 2 == 0 ? a : b).add(sorted.get(i));
            }
        }
        if (cfg.trainUnits() > 0) {
            a = thin(a, cfg.trainUnits());
            b = thin(b, cfg.trainUnits());
        }
        return List.of(a, b);
    }

    /** k units spread evenly over the list (keeps every category represented when k is small). */
    private static List<SourceUnit> thin(List<SourceUnit> l, int k) {
        if (k >= l.size()) {
            return l;
        }
        List<SourceUnit> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add(l.get((int) ((long) i * l.size() / k)));
        }
        return out;
    }

    private List<Integer> seededOrder(int n, String what) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            idx.add(i);
        }
        SplittableRandom r = new SplittableRandom(mix("order-" + what, 0));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Integer x = idx.get(i);
            idx.set(i, idx.get(j));
            idx.set(j, x);
        }
        return idx;
    }

    /** A 64-bit seed for one (purpose, index) pair, from the config's seed. */
    long mix(String purpose, int index) {
        byte[] h = sha256("provmark-eval-seed-v1|" + cfg.seed() + "|" + purpose + "|" + index);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return v;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    private List<int[]> encode(List<HumanDocument> docs, TextTokenizer tok, ExecutorService pool) {
        return parallel(pool, docs.size(), null, i -> tok.encode(docs.get(i).text()));
    }

    private static int[] concat(List<int[]> docs) {
        int n = 0;
        for (int[] d : docs) {
            n += d.length;
        }
        int[] out = new int[n];
        int p = 0;
        for (int[] d : docs) {
            System.arraycopy(d, 0, out, p, d.length);
            p += d.length;
        }
        return out;
    }

    private static <T> java.util.function.Supplier<T> memo(java.util.function.Supplier<T> f) {
        return new java.util.function.Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = f.get();
                }
                return value;
            }
        };
    }

    /** Runs f(0..n-1) on the pool in chunks; results in index order; progress lines when {@code what} is set. */
    private <T> List<T> parallel(ExecutorService pool, int n, String what, IntFunction<T> f) {
        int chunk = Math.max(1, Math.min(64, n / 64));
        List<Future<List<T>>> futures = new ArrayList<>();
        for (int start = 0; start < n; start += chunk) {
            int s = start;
            int e = Math.min(n, start + chunk);
            futures.add(pool.submit(() -> {
                List<T> out = new ArrayList<>(e - s);
                for (int i = s; i < e; i++) {
                    out.add(f.apply(i));
                }
                return out;
            }));
        }
        List<T> out = new ArrayList<>(n);
        long t0 = System.nanoTime();
        long last = t0;
        for (Future<List<T>> fu : futures) {
            try {
                out.addAll(fu.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                }
                if (c instanceof Error) {
                    throw (Error) c;
                }
                throw new IllegalStateException(c);
            }
            long now = System.nanoTime();
            if (what != null && now - last >= PROGRESS_NANOS && out.size() < n) {
                last = now;
                log("%s: %d/%d (%.0fs)", what, out.size(), n, (now - t0) / 1e9);
            }
        }
        return out;
    }

    private static double secs(long t0) {
        return Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
    }

    private void log(String fmt, Object... args) {
        if (progress != null) {
            progress.println("eval: " + String.format(Locale.ROOT, fmt, args));
            progress.flush();
        }
    }
}
