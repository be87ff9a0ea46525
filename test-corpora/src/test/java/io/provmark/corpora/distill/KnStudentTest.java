package io.provmark.corpora.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.provmark.core.lm.KneserNeyModel;
import io.provmark.core.profile.Profile;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.Scorer;
import io.provmark.core.text.TextTokenizer;
import io.provmark.core.text.Tokenizers;
import io.provmark.corpora.human.HumanCorpora;
import io.provmark.corpora.human.SourceUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fast student view is the built-in Kneser-Ney model's distribution, on real Brown text. */
class KnStudentTest {
    static TextTokenizer tok;
    static List<int[]> docs;

    @BeforeAll
    static void data() throws Exception {
        assumeTrue(HumanCorpora.available(), "SKIPPED: corpora not fetched; run scripts/fetch-corpora.sh");
        tok = Tokenizers.byId("cl100k_base");
        List<SourceUnit> units = HumanCorpora.select(HumanCorpora.units("brown"), HumanCorpora.Split.TRAIN).subList(0, 20);
        docs = new ArrayList<>();
        for (SourceUnit u : units) {
            for (List<String> p : u.paragraphs()) {
                docs.add(tok.encode(String.join(" ", p)));
            }
        }
    }

    @Test
    void probabilitiesAndTop1EqualTheBuiltInModel() {
        for (int order = 2; order <= 4; order++) {
            KnStudent s = KnStudent.train(docs, tok.vocabSize(), order, tok.id(), tok.vocabularySha256());
            KneserNeyModel m = s.model();
            SplittableRandom rnd = new SplittableRandom(order);
            float[] logits = new float[tok.vocabSize()];
            for (int trial = 0; trial < 40; trial++) {
                int[] d = docs.get(rnd.nextInt(docs.size()));
                int len = rnd.nextInt(Math.min(d.length, 30) + 1);
                // seen contexts, and (every fourth trial) a context the corpus never had
                int[] ctx = d.clone();
                if (trial % 4 == 3 && len > 0) {
                    ctx[len - 1] = rnd.nextInt(tok.vocabSize() - 300);
                }
                for (int k = 0; k < 20; k++) {
                    int w = k < 10 ? (len < d.length ? d[Math.min(len + k, d.length - 1)] : 0) : rnd.nextInt(tok.vocabSize() - 300);
                    double a = s.probability(ctx, len, w);
                    double b = m.probability(ctx, len, w);
                    // the model stores discounted masses as float: relative agreement to 1e-5
                    assertEquals(b, a, Math.abs(b) * 1e-5, "order " + order + " P(" + w + ")");
                }
                m.logits(ctx, len, logits);
                int arg = 0;
                for (int w = 1; w < logits.length; w++) {
                    if (logits[w] > logits[arg]) {
                        arg = w;
                    }
                }
                int top = s.argmax(ctx, len);
                // float logits can tie or swap near-equal candidates: compare probabilities, not ids
                assertEquals(m.probability(ctx, len, arg), m.probability(ctx, len, top), 1e-6 * m.probability(ctx, len, arg),
                        "order " + order + " top-1");
            }
        }
    }

    @Test
    void samplingAndWatermarkedSamplingFollowTheDistribution() {
        KnStudent s = KnStudent.train(docs, tok.vocabSize(), 3, tok.id(), tok.vocabularySha256());
        int[] ctx = tok.encode("It was the");
        int n = 40_000;
        SplittableRandom rnd = new SplittableRandom(7);
        Profile prof = Profile.defaults("red-green", "k", tok.id(), tok.vocabSize());
        Scorer scorer = Schemes.create(prof, RealTextDistillation.key("k", 3)).scorer();
        int[] seq = java.util.Arrays.copyOf(ctx, ctx.length + 1);
        // exact green mass of the unwatermarked distribution and of the tilted one P·e^(δ g) / Z, over all ids
        double green = 0;
        double z = 0;
        double greenTilted = 0;
        for (int w = 0; w < tok.vocabSize(); w++) {
            double p = s.probability(ctx, ctx.length, w);
            seq[ctx.length] = w;
            boolean g = scorer.value(seq, 0, ctx.length) > 0.5;
            green += g ? p : 0;
            double t = p * (g ? Math.exp(2.0) : 1.0);
            z += t;
            greenTilted += g ? t : 0;
        }
        greenTilted /= z;
        int gPlain = 0;
        int gMarked = 0;
        for (int i = 0; i < n; i++) {
            seq[ctx.length] = s.sample(ctx, ctx.length, rnd);
            gPlain += scorer.value(seq, 0, ctx.length) > 0.5 ? 1 : 0;
            seq[ctx.length] = s.generateRedGreen(ctx, 1, scorer, 2.0, rnd)[0];
            gMarked += scorer.value(seq, 0, ctx.length) > 0.5 ? 1 : 0;
        }
        // binomial counts: 6 standard deviations, false failure < 1e-8 each
        double sdPlain = Math.sqrt(n * green * (1 - green));
        double sdMarked = Math.sqrt(n * greenTilted * (1 - greenTilted));
        assertTrue(Math.abs(gPlain - n * green) < 6 * sdPlain, gPlain + " green draws vs expected " + n * green);
        assertTrue(Math.abs(gMarked - n * greenTilted) < 6 * sdMarked, gMarked + " vs expected " + n * greenTilted);
        assertTrue(greenTilted > green + 0.05, "the tilt must matter here: " + green + " -> " + greenTilted);
    }
}
