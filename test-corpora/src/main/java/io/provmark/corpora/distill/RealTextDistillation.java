package io.provmark.corpora.distill;

import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.attribution.ReadingAlignment;
import io.provmark.core.attribution.ReadingModeAttribution;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.TokenSpans;
import io.provmark.corpora.human.HumanCorpora;
import io.provmark.corpora.human.HumanDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Distillation on real text (issue 5). Teacher: the built-in Kneser-Ney model (order 3) trained on the
 * Brown train split over the teacher's tokenizer, answering Brown-derived prompts with the red-green
 * watermark (profile defaults: γ = 0.25, δ = 2, h = 1, dedup prf-input), sampled exactly from the
 * watermarked distribution by {@link KnStudent#generateRedGreen} (temperature 1). Students: Kneser-Ney models of
 * another order trained on {@code studentTokens} tokens, a fraction ρ of them teacher documents (prompt +
 * answer) and the rest human text from the Brown test split; a different-tokenizer student gets the same
 * documents as text, re-tokenized with its own tokenizer. ρ = 0 is the clean student.
 *
 * <p>Probing: closed mode = the student's sampled answers to human prompts, re-tokenized with the teacher's
 * tokenizer and scored with {@link CorpusAttribution}; reading mode = the student's top-1 predictions on
 * held-out watermarked teacher answers (never in any student's training data), scored with
 * {@link ReadingModeAttribution}, aligned by character offsets when the tokenizers differ.
 */
public final class RealTextDistillation {
    /** Sizes and seeds. */
    public record Config(String teacherTokenizer, int teacherOrder, int studentOrder, int studentTokens, int promptTokens,
                         int teacherAnswerTokens, int readingTexts, int answerTokens, int threads, long seed) {
        public Config {
            if (studentTokens < 1000 || promptTokens < 1 || teacherAnswerTokens < 1 || readingTexts < 1
                    || answerTokens < 1 || threads < 1) {
                throw new IllegalArgumentException("invalid distillation config " + this);
            }
        }
    }

    private final Config cfg;
    private final TextTokenizer tokA;
    private final WatermarkKey key;
    private final Profile profile;
    private KnStudent teacher;
    private List<HumanDocument> human;
    /** Teacher documents: prompt ids + answer ids (teacher tokenizer), and the answer alone. */
    private final List<int[]> teacherDocs = new ArrayList<>();
    private final List<int[]> teacherAnswers = new ArrayList<>();
    private int readingStart;

    public RealTextDistillation(Config cfg, TextTokenizer teacherTokenizer, WatermarkKey key) {
        this.cfg = cfg;
        this.tokA = teacherTokenizer;
        this.key = key;
        this.profile = Profile.defaults("red-green", key.id(), teacherTokenizer.id(), teacherTokenizer.vocabSize());
    }

    public Profile profile() {
        return profile;
    }

    public WatermarkKey key() {
        return key;
    }

    public TextTokenizer teacherTokenizer() {
        return tokA;
    }

    /** A deterministic key (simulations need fixed seeds; real keys come from SecureRandom). */
    public static WatermarkKey key(String id, long seed) {
        byte[] m = new byte[32];
        new SplittableRandom(seed).nextBytes(m);
        return new WatermarkKey(id, m, 0L);
    }

    /** Trains the teacher on Brown train and reads the human (Brown test) documents. */
    public void prepare() throws IOException {
        List<int[]> train = new ArrayList<>();
        for (HumanDocument d : HumanCorpora.documents("brown", HumanCorpora.Split.TRAIN, tokA)) {
            train.add(tokA.encode(d.text()));
        }
        teacher = KnStudent.train(train, tokA.vocabSize(), cfg.teacherOrder(), tokA.id(), tokA.vocabularySha256());
        human = HumanCorpora.documents("brown", HumanCorpora.Split.TEST, tokA);
    }

    /** Another key (cohort) over the same prepared teacher and human text; answers must be generated again. */
    public RealTextDistillation forKey(WatermarkKey other, long seed) {
        RealTextDistillation r = new RealTextDistillation(new Config(cfg.teacherTokenizer(), cfg.teacherOrder(),
                cfg.studentOrder(), cfg.studentTokens(), cfg.promptTokens(), cfg.teacherAnswerTokens(), cfg.readingTexts(),
                cfg.answerTokens(), cfg.threads(), seed), tokA, other);
        r.teacher = teacher;
        r.human = human;
        return r;
    }

    public KnStudent teacher() {
        return teacher;
    }

    /** The first promptTokens teacher tokens of human document i (cycling), as text. */
    public String promptText(int i) {
        int[] ids = tokA.encode(human.get(i % human.size()).text());
        return tokA.decode(Arrays.copyOf(ids, Math.min(ids.length, cfg.promptTokens())));
    }

    /**
     * Generates the watermarked teacher answers: enough documents for a ρ = 1 student, then
     * {@code readingTexts} held-out answers for reading mode.
     */
    public void generateTeacher() throws Exception {
        int perDoc = cfg.promptTokens() + cfg.teacherAnswerTokens();
        readingStart = (cfg.studentTokens() + perDoc - 1) / perDoc;
        int total = readingStart + cfg.readingTexts();
        int[][] prompts = new int[total][];
        for (int i = 0; i < total; i++) {
            prompts[i] = tokA.encode(promptText(i));
        }
        int[][] answers = new int[total][];
        ExecutorService pool = Executors.newFixedThreadPool(cfg.threads());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < cfg.threads(); t++) {
                final int th = t;
                fs.add(pool.submit(() -> {
                    Scorer scorer = Schemes.create(profile, key).scorer();
                    double delta = ((RedGreenParams) profile.params()).delta();
                    for (int i = th; i < total; i += cfg.threads()) {
                        answers[i] = teacher.generateRedGreen(prompts[i], cfg.teacherAnswerTokens(), scorer, delta,
                                new SplittableRandom(cfg.seed() * 1_000_003L + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < total; i++) {
            int[] doc = Arrays.copyOf(prompts[i], prompts[i].length + answers[i].length);
            System.arraycopy(answers[i], 0, doc, prompts[i].length, answers[i].length);
            teacherDocs.add(doc);
            teacherAnswers.add(answers[i]);
        }
    }

    /** Held-out watermarked answers (teacher tokenizer) for reading mode. */
    public List<int[]> readingTexts() {
        return teacherAnswers.subList(readingStart, teacherAnswers.size());
    }

    /** Teacher answers that may go into a student's training data. */
    public List<int[]> trainingAnswers() {
        return teacherAnswers.subList(0, readingStart);
    }

    /**
     * A student's training documents in tokenizer {@code tokS}: teacher documents until ρ·N tokens, then
     * human documents (from the end of the Brown test split, away from the prompts) until N tokens.
     */
    public List<int[]> studentCorpus(double rho, TextTokenizer tokS) {
        List<int[]> docs = teacherDocuments(Math.round(rho * cfg.studentTokens()), tokS);
        long have = 0;
        for (int[] d : docs) {
            have += d.length;
        }
        docs.addAll(humanDocuments(cfg.studentTokens() - have, tokS));
        return docs;
    }

    /** Teacher documents (prompt + watermarked answer) in tokenizer {@code tokS} until {@code tokens} tokens. */
    public List<int[]> teacherDocuments(long tokens, TextTokenizer tokS) {
        List<int[]> docs = new ArrayList<>();
        long have = 0;
        for (int i = 0; i < readingStart && have < tokens; i++) {
            int[] d = convert(teacherDocs.get(i), tokS);
            docs.add(d);
            have += d.length;
        }
        return docs;
    }

    /** Human documents from the end of the Brown test split (away from the prompts) until {@code tokens} tokens. */
    public List<int[]> humanDocuments(long tokens, TextTokenizer tokS) {
        List<int[]> docs = new ArrayList<>();
        long have = 0;
        for (int i = human.size() - 1; i >= 0 && have < tokens; i--) {
            int[] d = tokS.encode(human.get(i).text());
            docs.add(d);
            have += d.length;
        }
        return docs;
    }

    private int[] convert(int[] teacherIds, TextTokenizer tokS) {
        return sameVocabulary(tokS) ? teacherIds : tokS.encode(tokA.decode(teacherIds));
    }

    private boolean sameVocabulary(TextTokenizer tokS) {
        return tokS.vocabularySha256().equals(tokA.vocabularySha256());
    }

    /** Trains a student on a ρ-mix in tokenizer {@code tokS}. */
    public KnStudent student(double rho, TextTokenizer tokS) {
        return KnStudent.train(studentCorpus(rho, tokS), tokS.vocabSize(), cfg.studentOrder(), tokS.id(),
                tokS.vocabularySha256());
    }

    /**
     * Closed mode: the student's answers to {@code count} human prompts (cycling through the Brown test
     * documents), re-tokenized with the teacher's tokenizer.
     */
    public List<CorpusAttribution.Answer> closedAnswers(KnStudent s, TextTokenizer tokS, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<CorpusAttribution.Answer> out = new ArrayList<>();
        boolean same = sameVocabulary(tokS);
        for (int q = 0; q < count; q++) {
            String prompt = promptText(q);
            int[] p = tokS.encode(prompt);
            int[] ans = s.generate(p, cfg.answerTokens(), rnd);
            if (same) {
                out.add(new CorpusAttribution.Answer("q" + q, ans, p));
            } else {
                out.add(new CorpusAttribution.Answer("q" + q, tokA.encode(tokS.decode(ans)), tokA.encode(prompt)));
            }
        }
        return out;
    }

    /** Reading mode: the student's top-1 predictions on the held-out watermarked answers. */
    public ReadingInput readingInput(KnStudent s, TextTokenizer tokS, int count) {
        List<ReadingModeAttribution.ReadingText> out = new ArrayList<>();
        ReadingAlignment.Stats stats = ReadingAlignment.Stats.zero();
        ReadingAlignment align = new ReadingAlignment(tokA);
        boolean same = sameVocabulary(tokS);
        List<int[]> texts = readingTexts();
        int skipped = 0;
        for (int t = 0; t < Math.min(count, texts.size()); t++) {
            int[] ours = texts.get(t);
            if (same) {
                out.add(new ReadingModeAttribution.ReadingText("r" + t, ours, s.readTop1(ours)));
                continue;
            }
            String text = tokA.decode(ours);
            TokenSpans sp = tokS.encodeWithOffsets(text);
            if (!sp.text().equals(text)) {
                skipped++; // the suspect's normalisation changed the text: offsets would not index ours
                continue;
            }
            int[] predS = s.readTop1(sp.ids());
            String[] pieces = new String[predS.length];
            int[] offsets = new int[predS.length];
            for (int j = 0; j < predS.length; j++) {
                pieces[j] = tokS.decode(new int[] {predS[j]});
                offsets[j] = sp.start(j);
            }
            ReadingAlignment.Result r = align.align(ours, text, offsets, pieces);
            stats = stats.plus(r.stats());
            out.add(new ReadingModeAttribution.ReadingText("r" + t, ours, r.predicted()));
        }
        return new ReadingInput(out, stats, skipped);
    }

    /** Reading-mode texts plus what the cross-tokenizer alignment kept and dropped. */
    public record ReadingInput(List<ReadingModeAttribution.ReadingText> texts, ReadingAlignment.Stats stats,
                               int skippedTexts) {
    }
}
