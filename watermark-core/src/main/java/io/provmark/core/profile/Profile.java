package io.provmark.core.profile;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import java.util.Objects;
import java.util.Set;

/**
 * A public, self-describing watermark profile: everything a verifier needs except the key itself.
 * Validated at construction; {@link ProfileJson} reads and writes the JSON form.
 *
 * @param scheme              {@code red-green}, {@code gumbel} or {@code synthid}; must match {@code params}
 * @param params              scheme parameters
 * @param prf                 PRF id and version, {@value ProvmarkPrf#ID}
 * @param contextWidth        h: how many preceding tokens seed the PRF (0 = Unigram for red-green)
 * @param tokenizer           tokenizer id ({@code r50k_base}, {@code p50k_base}, {@code cl100k_base},
 *                            {@code o200k_base}) or {@code none} when only token ids are exchanged
 * @param vocabSize           size of the model's vocabulary; every token id must be below it
 * @param keyId               id of the key (in a keyset) this profile uses
 * @param dedup               which repeated scored tuples the detector drops
 * @param scorePartialContext score the first positions whose context is shorter than h (the
 *                            embedder seeds them with the shorter context)
 * @param eosTokenId          end-of-sequence token id (detection stops there), or -1 for none
 */
public record Profile(String scheme, SchemeParams params, String prf, int contextWidth, String tokenizer,
                      int vocabSize, String keyId, DedupRule dedup, boolean scorePartialContext,
                      int eosTokenId) {
    public static final String FORMAT = "provmark-profile-v1";
    public static final Set<String> TOKENIZERS = Set.of("none", "r50k_base", "p50k_base", "cl100k_base", "o200k_base");
    public static final int MAX_VOCAB = 1 << 24;

    public Profile {
        Objects.requireNonNull(params, "params");
        if (scheme == null || !scheme.equals(params.scheme())) {
            throw new ProfileException("scheme", "must be one of red-green, gumbel, synthid and match params (got \"" + scheme + "\")");
        }
        if (!ProvmarkPrf.ID.equals(prf)) {
            throw new ProfileException("prf", "must be \"" + ProvmarkPrf.ID + "\", got \"" + prf + "\"");
        }
        if (contextWidth < 0 || contextWidth > ProvmarkPrf.MAX_CONTEXT_WIDTH) {
            throw new ProfileException("context_width", "must be in 0.." + ProvmarkPrf.MAX_CONTEXT_WIDTH + ", got " + contextWidth);
        }
        if (contextWidth == 0 && !(params instanceof RedGreenParams)) {
            throw new ProfileException("context_width", "must be >= 1 for " + scheme
                    + " (with no context every step reuses one PRF vector, which destroys diversity)");
        }
        if (tokenizer == null || !TOKENIZERS.contains(tokenizer)) {
            throw new ProfileException("tokenizer", "must be one of " + String.join(", ", new java.util.TreeSet<>(TOKENIZERS)) + ", got \"" + tokenizer + "\"");
        }
        if (vocabSize < 2 || vocabSize > MAX_VOCAB) {
            throw new ProfileException("vocab_size", "must be in 2.." + MAX_VOCAB + ", got " + vocabSize);
        }
        try {
            WatermarkKey.validateId(keyId);
        } catch (IllegalArgumentException e) {
            throw new ProfileException("key_id", "is invalid: " + e.getMessage());
        }
        Objects.requireNonNull(dedup, "dedup");
        if (eosTokenId < -1 || eosTokenId >= vocabSize) {
            throw new ProfileException("eos_token_id", "must be -1 (none) or in 0.." + (vocabSize - 1) + ", got " + eosTokenId);
        }
    }

    /** A profile with the defaults for a scheme (see {@code docs/statistics.md}). */
    public static Profile defaults(String scheme, String keyId, String tokenizer, int vocabSize) {
        return switch (scheme) {
            case RedGreenParams.SCHEME -> new Profile(scheme, new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH),
                    ProvmarkPrf.ID, 1, tokenizer, vocabSize, keyId, DedupRule.PRF_INPUT, false, -1);
            case GumbelParams.SCHEME -> new Profile(scheme, new GumbelParams(0), ProvmarkPrf.ID, 2, tokenizer, vocabSize,
                    keyId, DedupRule.PRF_INPUT, false, -1);
            case SynthIdParams.SCHEME -> new Profile(scheme, new SynthIdParams(30, SynthIdParams.defaultWeights(30),
                    SynthIdParams.Score.WEIGHTED_MEAN, 0), ProvmarkPrf.ID, 3, tokenizer, vocabSize, keyId,
                    DedupRule.PRF_INPUT, false, -1);
            default -> throw new ProfileException("scheme", "must be one of red-green, gumbel, synthid, got \"" + scheme + "\"");
        };
    }

    public Profile withKeyId(String newKeyId) {
        return new Profile(scheme, params, prf, contextWidth, tokenizer, vocabSize, newKeyId, dedup, scorePartialContext, eosTokenId);
    }

    public Profile withDedup(DedupRule rule) {
        return new Profile(scheme, params, prf, contextWidth, tokenizer, vocabSize, keyId, rule, scorePartialContext, eosTokenId);
    }
}
