package io.provmark.core.compat.vllm;

import io.provmark.core.compat.vllm.VllmConfig.Algorithm;
import io.provmark.core.compat.vllm.VllmConfig.PrfName;
import io.provmark.core.compat.vllm.VllmConfig.Scope;
import java.util.ArrayList;
import java.util.List;

/** Upstream behaviours and bugs that apply to a profile, worded for users (spec §5 and our own checks). */
final class VllmNotes {
    private VllmNotes() {
    }

    static List<String> forConfig(VllmConfig cfg) {
        List<String> n = new ArrayList<>();
        Algorithm a = cfg.algorithm();
        if (a == Algorithm.SBW) {
            if (cfg.sbwScheme() == VllmConfig.SbwScheme.LEFTHASH) {
                n.add("upstream bug (vLLM SBW lefthash): the generator seeds with K * sum(raw context ids) but the detector "
                        + "with K * sum(hashed ids), so vLLM's own p_value does not detect vLLM lefthash output; provmark's "
                        + "evidence uses the " + cfg.lefthashEvidenceSeeding().wire() + " seeding");
            } else {
                n.add("upstream behaviour (vLLM SBW selfhash): the seed ignores the oldest context token (effective width "
                        + (cfg.contextWidth() - 1) + "); positions sharing a seed and token are counted once in provmark's evidence");
            }
            n.add("upstream approximation (vLLM SBW): p_value is the one-sided normal approximation 1/2 erfc(z/sqrt 2); "
                    + "provmark's evidence uses the exact binomial tail with the exact null green probability threshold/2^31");
            if (cfg.key() == 0) {
                n.add("upstream behaviour (vLLM SBW): key 0 makes every seed 0, a context-free green list");
            }
        }
        if (a == Algorithm.DUAL_KEY_GUMBEL) {
            double al = cfg.detectorAlpha();
            if (al != 0 && al != 0.5 && al != 1) {
                n.add("upstream approximation (vLLM dual_key_gumbel): for alpha other than 0, 0.5, 1 the p_value is a "
                        + "moment-matched Gamma(n/v, S/v); provmark's evidence uses the exact negative-binomial mixture tail");
            }
            if (cfg.detectorAlpha() != cfg.alpha()) {
                n.add("configuration mismatch: detector alpha differs from generation alpha (vLLM requires them equal)");
            }
        }
        if (!cfg.detectorDeduplicateContexts()) {
            n.add("detector deduplicate_contexts is false: vLLM scores repeated contexts, whose scores are not independent, "
                    + "so its p_value is not valid; provmark's evidence scores each PRF input once");
        }
        if (cfg.deduplicateContexts() == Scope.ALL) {
            n.add("generation deduplicate_contexts 'all': the first context_width tokens and contexts seen in the prompt are "
                    + "generated unwatermarked but scored by the detector (dilution)");
        }
        if (a == Algorithm.RED_GREEN || a == Algorithm.SYNTHID) {
            n.add("algorithm '" + a.wire() + "' exists only on a vLLM branch, not in main");
        }
        if (cfg.prf() == PrfName.HMAC_SHA256) {
            n.add("prf 'hmac_sha256' is historical: removed from vLLM main");
        } else {
            n.add("prf philox4x32-10-v1: vLLM changed its token mapping without changing this label (commits before "
                    + "the change give different words); this reader implements the current mapping");
        }
        n.add("vLLM reports p_value as a double that underflows to 0.0 for strong watermarks; provmark's evidence keeps ln p");
        return List.copyOf(n);
    }
}
