package io.provmark.core.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.scheme.Fixtures.Config;
import io.provmark.core.scheme.WatermarkScheme;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX Runtime adapter on tiny models the test writes itself ({@link TinyOnnx}). */
class OnnxNextTokenModelTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    void logitsEqualTheHandComputedValues() throws IOException {
        TinyOnnx tiny = new TinyOnnx(5, 3);
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(write("tiny.onnx", tiny.model()))) {
            assertEquals(5, m.vocabSize());
            float[] out = new float[5];
            // by hand, one token, id 2: E[2] = ((14 + 3j) mod 11 - 5)/20 = (-2, 1, 4)/20; b_0 = -0.3;
            // column 0 of W: ((5j) mod 13 - 6)/15 = (-6, -1, 4)/15; logit_0 = -0.3 + (12 - 1 + 16)/300 = -0.21
            m.logits(new int[] {2}, 1, out);
            assertEquals(-0.21, out[0], 1e-6);
            // column 4: ((5j + 8) mod 13 - 6)/15 = (2, -6, -1)/15, b_4 = 0.1; logit_4 = 0.1 + (-4 - 6 - 4)/300
            assertEquals(0.1 - 14.0 / 300, out[4], 1e-6);
            int[][] contexts = {{0}, {4}, {1, 3}, {3, 1, 4, 1, 0}, {2, 2, 2, 2, 2, 2, 2, 2, 2}};
            for (int[] ctx : contexts) {
                m.logits(ctx, ctx.length, out);
                double[] want = tiny.expected(ctx, 0, ctx.length);
                for (int k = 0; k < 5; k++) {
                    assertEquals(want[k], out[k], 1e-5, Arrays.toString(ctx) + " logit " + k);
                }
            }
            // len counts, not the array length: trailing ids are not context
            int[] ids = {1, 3, 4, 4, 4};
            m.logits(ids, 2, out);
            double[] want = tiny.expected(ids, 0, 2);
            assertEquals(want[3], out[3], 1e-5);
            assertThrows(IllegalArgumentException.class, () -> m.logits(new int[0], 0, new float[5]));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.logits(new int[] {5}, 1, new float[5]));
            assertTrue(e.getMessage().contains("outside the model's vocabulary"), e.getMessage());
        }
    }

    @Test
    void maxContextFeedsOnlyTheLatestTokens() throws IOException {
        TinyOnnx tiny = new TinyOnnx(6, 4);
        Path f = write("tiny.onnx", tiny.model());
        OnnxNextTokenModel.Options o = new OnnxNextTokenModel.Options("input_ids", "attention_mask", "position_ids",
                "logits", 3);
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(f, o)) {
            int[] ids = {5, 5, 0, 1, 2, 3, 4};
            float[] out = new float[6];
            m.logits(ids, ids.length, out);
            double[] want = tiny.expected(ids, ids.length - 3, ids.length);
            for (int k = 0; k < 6; k++) {
                assertEquals(want[k], out[k], 1e-5);
            }
        }
    }

    @Test
    void optionalInputsAreFedAndNamesAreConfigurable() throws IOException {
        TinyOnnx tiny = new TinyOnnx(5, 3);
        TinyOnnx.Spec s = new TinyOnnx.Spec();
        s.extraInputs = List.of("attention_mask", "position_ids");
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(write("mask.onnx", tiny.model(s)))) {
            float[] out = new float[5];
            m.logits(new int[] {1, 2}, 2, out);
            assertEquals(tiny.expected(new int[] {1, 2}, 0, 2)[1], out[1], 1e-5);
        }
        TinyOnnx.Spec named = new TinyOnnx.Spec();
        named.inputName = "tokens";
        named.outputName = "scores";
        Path f = write("named.onnx", tiny.model(named));
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxNextTokenModel.load(f));
        assertTrue(e.getMessage().contains("has no input 'input_ids'") && e.getMessage().contains("tokens"),
                e.getMessage());
        OnnxNextTokenModel.Options o = OnnxNextTokenModel.Options.DEFAULT.withNames("tokens", "logits");
        e = assertThrows(OnnxModelException.class, () -> OnnxNextTokenModel.load(f, o));
        assertTrue(e.getMessage().contains("has no output 'logits'") && e.getMessage().contains("scores"),
                e.getMessage());
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(f, OnnxNextTokenModel.Options.DEFAULT.withNames("tokens",
                "scores"))) {
            float[] out = new float[5];
            m.logits(new int[] {4}, 1, out);
            assertEquals(tiny.expected(new int[] {4}, 0, 1)[4], out[4], 1e-5);
        }
    }

    @Test
    void dynamicVocabularyDimensionIsProbed() throws IOException {
        TinyOnnx.Spec s = new TinyOnnx.Spec();
        s.dynamicVocab = true;
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(write("dyn.onnx", new TinyOnnx(7, 2).model(s)))) {
            assertEquals(7, m.vocabSize());
        }
    }

    @Test
    void wrongInterfacesFailWithClearMessages() throws IOException {
        TinyOnnx tiny = new TinyOnnx(5, 3);
        TinyOnnx.Spec int32 = new TinyOnnx.Spec();
        int32.inputType = TinyOnnx.INT32;
        assertLoadFails(write("i32.onnx", tiny.model(int32)), "input 'input_ids' must be int64 [batch, sequence]");
        TinyOnnx.Spec rank1 = new TinyOnnx.Spec();
        rank1.inputRank = 1;
        assertLoadFails(write("r1.onnx", tiny.model(rank1)), "input 'input_ids' must be int64 [batch, sequence]");
        TinyOnnx.Spec flat = new TinyOnnx.Spec();
        flat.flattenOutput = true;
        assertLoadFails(write("flat.onnx", tiny.model(flat)),
                "output 'logits' must be float32 [batch, sequence, vocabulary]");
        TinyOnnx.Spec past = new TinyOnnx.Spec();
        past.extraInputs = List.of("past_key_values.0.key");
        assertLoadFails(write("past.onnx", tiny.model(past)), "has input 'past_key_values.0.key'");
    }

    @Test
    void missingAndCorruptedFilesFailWithClearMessages() throws IOException {
        assertLoadFails(dir.resolve("nope.onnx"), "does not exist");
        byte[] good = new TinyOnnx(5, 3).model();
        assertLoadFails(write("trunc.onnx", Arrays.copyOf(good, good.length / 2)), "is not a valid ONNX model");
        byte[] garbage = new byte[300];
        new java.util.SplittableRandom(1).nextBytes(garbage);
        assertLoadFails(write("garbage.onnx", garbage), "is not a valid ONNX model");
        assertLoadFails(write("empty.onnx", new byte[0]), "is not a valid ONNX model");
        // a Kneser-Ney file is not an ONNX model either
        assertLoadFails(write("kn.onnx", "PMKNLM\r\n\0\0\0\1".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                "is not a valid ONNX model");
    }

    @Test
    void vocabularySizeIsCheckedAgainstTheProfile() throws IOException {
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(write("t.onnx", new TinyOnnx(5, 3).model()))) {
            m.requireVocabSize(5);
            OnnxModelException e = assertThrows(OnnxModelException.class, () -> m.requireVocabSize(50257));
            assertTrue(e.getMessage().contains("5 logits") && e.getMessage().contains("50257"), e.getMessage());
        }
    }

    @Test
    void watermarkedGenerationRunsAndIsDetected() throws IOException {
        int v = 64;
        OnnxNextTokenModel.Options o = new OnnxNextTokenModel.Options("input_ids", "attention_mask", "position_ids",
                "logits", 8);
        try (OnnxNextTokenModel m = OnnxNextTokenModel.load(write("gen.onnx", new TinyOnnx(v, 4).model()), o)) {
            WatermarkScheme scheme = Config.RED_GREEN_LEFT_H1.scheme(11, v);
            Generator g = new Generator(m, 1.0);
            int[] prompt = {3, 9};
            int[] a = g.generate(scheme.embedder(), prompt, 300, 5);
            assertEquals(300, a.length);
            assertArrayEquals(a, g.generate(scheme.embedder(), prompt, 300, 5), "seeded");
            for (int t : a) {
                assertTrue(t >= 0 && t < v);
            }
            // the logits lie within about +-1 (|E| <= 0.25, |W| <= 0.4, 8 tokens of context), so each step has
            // high entropy: green mass with delta 2 is >= 0.25e^2/(0.25e^2 + 0.75) * e^-2ish ~ 0.6 against gamma
            // 0.25. Of ~280 scored tokens (dedup on (previous, token) pairs drops few of 4096) the null expects 70
            // green (sd 7.2); the watermark gives >= 150, z > 11. Requiring p < 1e-6 (z ~ 4.8) fails with
            // probability far below 1e-12. Seeds are fixed, so the outcome is in fact deterministic.
            Evidence ev = new Detector(scheme).detect(a, prompt, false);
            assertTrue(ev.pValue() < 1e-6, "p = " + ev.pValue() + " scored " + ev.numScored());
            Evidence none = new Detector(scheme).detect(g.generate(null, prompt, 300, 5), prompt, false);
            assertTrue(none.pValue() > 1e-6, "unwatermarked p = " + none.pValue());
        }
    }

    private static void assertLoadFails(Path f, String fragment) {
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxNextTokenModel.load(f));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(f.toString()), e.getMessage());
    }
}
