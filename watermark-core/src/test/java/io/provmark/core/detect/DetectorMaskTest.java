package io.provmark.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.detect.PositionDetail.Status;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.scheme.Fixtures;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.scheme.WatermarkScheme;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The scored mask on hand-made sequences: which positions count, and why the others do not. */
class DetectorMaskTest {
    private static final int VOCAB = 100;
    private static final WatermarkKey KEY = Fixtures.key("mask", 201);
    private static final SchemeParams GUMBEL = new GumbelParams(0);
    private static final SchemeParams LEFT = new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH);
    private static final SchemeParams SELF = new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.SELF_HASH);

    private static WatermarkScheme scheme(SchemeParams p, int h, DedupRule dedup, boolean partial, int eos) {
        return Schemes.create(Fixtures.profile(p, h, VOCAB, KEY.id(), dedup, partial, eos), KEY);
    }

    private static List<Status> statuses(Evidence e) {
        return e.positions().stream().map(PositionDetail::status).collect(Collectors.toList());
    }

    private static final Status S = Status.SCORED;
    private static final Status D = Status.DUPLICATE;
    private static final Status P = Status.PARTIAL_CONTEXT;

    @Test
    void partialContextsAreSkippedUnlessTheProfileScoresThem() {
        int[] t = {1, 2, 3, 4, 5};
        Evidence off = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, -1)).detect(t, null, true);
        assertEquals(List.of(P, P, S, S, S), statuses(off));
        assertEquals(3, off.numScored());
        assertEquals(5, off.numTokens());
        WatermarkScheme on = scheme(GUMBEL, 2, DedupRule.PRF_INPUT, true, -1);
        Evidence e = new Detector(on).detect(t, null, true);
        assertEquals(List.of(S, S, S, S, S), statuses(e));
        // a partial context is scored with the shorter context, as the embedder seeds it
        assertEquals(on.scorer().value(new int[] {1, 2}, 0, 1), e.positions().get(1).value(), 0.0);
        // scored values and the statistic agree
        double sum = e.positions().stream().mapToDouble(PositionDetail::value).sum();
        assertEquals(sum / 5, e.statistic(), 1e-12);
        for (PositionDetail d : off.positions()) {
            assertEquals(d.status() == S, !Double.isNaN(d.value()));
        }
    }

    @Test
    void scoringStopsAtEos() {
        int eos = 9;
        int[] t = {1, 2, 3, 4, eos, 5, 6, 7};
        Evidence e = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, eos)).detect(t, null, true);
        assertEquals(List.of(P, P, S, S, Status.EOS, Status.AFTER_EOS, Status.AFTER_EOS, Status.AFTER_EOS), statuses(e));
        assertEquals(2, e.numScored());
        assertEquals(8, e.numTokens());
        // without details the detector stops at EOS: same evidence
        Evidence quick = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, eos)).detect(t, null, false);
        assertEquals(e.lnPValue(), quick.lnPValue(), 0.0);
        assertEquals(2, quick.numScored());
        // an EOS id in the prompt does not end anything
        Evidence withPrompt = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, eos))
                .detect(new int[] {1, 2, 3}, new int[] {eos, 8}, true);
        assertEquals(List.of(S, S, S), statuses(withPrompt));
    }

    @Test
    void promptGivesContextButIsNotScored() {
        WatermarkScheme s = scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, -1);
        int[] prompt = {10, 11, 12};
        int[] t = {1, 2, 3};
        Evidence e = new Detector(s).detect(t, prompt, true);
        assertEquals(List.of(S, S, S), statuses(e)); // the prompt fills the context of position 0
        assertEquals(3, e.numTokens());
        int[] seq = {10, 11, 12, 1, 2, 3};
        for (int k = 0; k < 3; k++) {
            assertEquals(s.scorer().value(seq, 0, 3 + k), e.positions().get(k).value(), 0.0);
            assertEquals(k, e.positions().get(k).index());
            assertEquals(t[k], e.positions().get(k).token());
        }
        // a one-token prompt leaves position 0 with a partial context (1 < h = 2)
        assertEquals(List.of(P, S, S), statuses(new Detector(s).detect(t, new int[] {10}, true)));
    }

    @Test
    void prfInputsThatOccurInThePromptAreExcludedUnlessSwitchedOff() {
        WatermarkScheme s = scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, -1);
        int[] prompt = {1, 2, 3, 4};
        // text position 2 is (ctx 1 2, token 3) = prompt position 2; text position 6 is
        // (ctx 2 3, token 4) = prompt position 3; text position 3 (ctx 2 3, token 7) is new
        int[] t = {1, 2, 3, 7, 2, 3, 4};
        Evidence e = new Detector(s).detect(t, prompt, true);
        assertEquals(List.of(S, S, Status.IN_PROMPT, S, S, S, Status.IN_PROMPT), statuses(e));
        assertEquals(5, e.numScored());
        Evidence off = new Detector(s, false).detect(t, prompt, true);
        assertEquals(List.of(S, S, S, S, S, S, S), statuses(off));
        assertEquals(7, off.numScored());
    }

    @Test
    void dedupRulesOnAHandMadeSequence() {
        // h = 1 (left-hash): tuples (prev, token) after position 0
        //        pos:  0  1  2  3  4  5  6  7  8  9
        int[] t = {1, 2, 1, 2, 1, 3, 1, 2, 2, 2};
        // (1,2) (2,1) (1,2)d (2,1)d (1,3) (3,1) (1,2)d (2,2) (2,2)d
        Evidence prf = new Detector(scheme(LEFT, 1, DedupRule.PRF_INPUT, false, -1)).detect(t, null, true);
        assertEquals(List.of(P, S, S, D, D, S, S, D, S, D), statuses(prf));
        assertEquals(5, prf.numScored());
        assertEquals("prf-input", prf.dedup());
        // contexts: 1 2 1d 2d 1d 3 1d 2d 2d
        Evidence ctx = new Detector(scheme(LEFT, 1, DedupRule.CONTEXT, false, -1)).detect(t, null, true);
        assertEquals(List.of(P, S, S, D, D, D, S, D, D, D), statuses(ctx));
        assertEquals(3, ctx.numScored());
        assertEquals("context", ctx.dedup());
        Evidence none = new Detector(scheme(LEFT, 1, DedupRule.NONE, false, -1)).detect(t, null, true);
        assertEquals(9, none.numScored());
        assertEquals("none", none.dedup());
        // Unigram (h = 0): the PRF input is the token alone; 3 distinct tokens
        Evidence uni = new Detector(scheme(LEFT, 0, DedupRule.PRF_INPUT, false, -1)).detect(t, null, true);
        assertEquals(List.of(S, S, D, D, D, S, D, D, D, D), statuses(uni));
    }

    @Test
    void selfHashDeduplicatesOnTheMinHashInputNotTheRawContext() {
        WatermarkScheme s = scheme(SELF, 2, DedupRule.PRF_INPUT, false, -1);
        int[] m = SelfHash.sharedMinimum(s, VOCAB);
        int a = m[0], c = m[1], b = m[2], t = m[3];
        // (a b -> t) and (c b -> t): different contexts, same PRF input (min H(b), t)
        int[] seq = {a, b, t, c, b, t};
        Evidence e = new Detector(s).detect(seq, null, true);
        assertEquals(D, e.positions().get(5).status());
        assertEquals(e.positions().get(2).value(), s.scorer().value(seq, 0, 5), 0.0);
        // the context rule must not score that PRF input twice either
        Evidence ctx = new Detector(scheme(SELF, 2, DedupRule.CONTEXT, false, -1)).detect(seq, null, true);
        assertTrue(ctx.positions().get(5).status() != S,
                "context dedup scored the same self-hash PRF input twice: " + statuses(ctx));
    }

    /** Tokens with H(lo) < H(b) < H(a), H(c), H(t) under the mask key. */
    static final class SelfHash {
        static int[] sharedMinimum(WatermarkScheme s, int vocab) {
            io.provmark.core.prf.ProvmarkPrf prf = new io.provmark.core.prf.ProvmarkPrf(KEY, s.profile().scheme());
            long[] hs = prf.selfHashTable(vocab);
            Integer[] order = new Integer[vocab];
            java.util.Arrays.setAll(order, i -> i);
            java.util.Arrays.sort(order, (x, y) -> Long.compareUnsigned(hs[x], hs[y]));
            return new int[] {order[10], order[11], order[1], order[12], order[0]};
        }
    }

    @Test
    void tokenOutsideTheVocabularyIsRejectedNamingThePosition() {
        Detector d = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, -1));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> d.detect(new int[] {1, 2, 3, VOCAB, 4}, null, false));
        assertTrue(x.getMessage().contains("tokens[3]") && x.getMessage().contains("" + VOCAB), x.getMessage());
        x = assertThrows(IllegalArgumentException.class, () -> d.detect(new int[] {1, 2}, new int[] {5, -1}, false));
        assertTrue(x.getMessage().contains("prompt_tokens[1]") && x.getMessage().contains("-1"), x.getMessage());
        assertThrows(NullPointerException.class, () -> d.detect(null, null, false));
    }

    @Test
    void emptyAndFullyMaskedTextsGivePOne() {
        Detector d = new Detector(scheme(GUMBEL, 2, DedupRule.PRF_INPUT, false, -1));
        Evidence empty = d.detect(new int[0], null, true);
        assertEquals(0, empty.numScored());
        assertEquals(0.0, empty.lnPValue(), 0.0);
        assertEquals(1.0, empty.pValue(), 0.0);
        Evidence masked = d.detect(new int[] {4, 5}, null, false);
        assertEquals(0, masked.numScored());
        assertEquals(0.0, masked.lnPValue(), 0.0);
    }

    @Test
    void evidenceReportsLog10WhenThePValueUnderflows() {
        Evidence e = new Evidence("gumbel", "k", 10, 10, "mean_score", 1.0, -2000.0, 0.0, true, "prf-input", null);
        assertEquals(0.0, e.pValue(), 0.0);
        assertEquals(-2000.0 / Math.log(10), e.log10PValue(), 1e-9);
    }
}
