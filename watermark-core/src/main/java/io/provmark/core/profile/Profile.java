package io.provmark.core.profile;

import io.provmark.core.key.WatermarkKey;
import io.provmark.core.prf.ProvmarkPrf;
import io.provmark.core.text.Tokenizers;
import java.util.Objects;

/**
 * A public, self-describing watermark profile: everything a verifier needs except the key itself.
 * Validated at construction; {@link ProfileJson} reads and writes the JSON form.
 *
 * @param scheme              {@code red-green}, {@code gumbel} or {@code synthid}; must match {@code params}
 * @param params              scheme parameters
 * @param prf                 PRF id and version, {@value ProvmarkPrf#ID}
 * @param contextWidth        h: how many preceding tokens seed the PRF (0 = Unigram for red-green)
 * @param tokenizer           tokenizer id ({@code r50k_base}, {@code p50k_base}, {@code cl100k_base},
 *                            {@code o200k_base}, {@code hf:NAME}, {@code hf:PATH}; see
 *                            {@link Tokenizers}) or {@code none} when only token ids are exchanged
 * @param vocabSize           size of the model's vocabulary; every token id must be below it. At least
 *                            the tokenizer's size (larger: a model with a padded output layer)
 * @param keyId               id of the key (in a keyset) this profile uses
 * @param dedup               which repeated scored tuples the detector drops
 * @param scorePartialContext score the first positions whose context is shorter than h (the
 *                            embedder seeds them with the shorter context)
 * @param eosTokenId          end-of-sequence token id (detection stops there), or -1 for none
 * @param tokenizerSha256     the tokenizer's vocabulary SHA-256 ({@link
 *                            io.provmark.core.text.TextTokenizer#vocabularySha256()}, 64 lower-case hex
 *                            digits), or null when not pinned: always null for {@code none}, required for
 *                            {@code hf:} tokenizers, optional for the built-in jtokkit encodings (profiles
 *                            written before the field existed lack it; see {@link ProfileTokenizers})
 */
public record Profile(String scheme, SchemeParams params, String prf, int contextWidth, String tokenizer,
                      int vocabSize, String keyId, DedupRule dedup, boolean scorePartialContext,
                      int eosTokenId, String tokenizerSha256) {
    public static final String FORMAT = "provmark-profile-v1";
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
        if (!Tokenizers.isWellFormed(tokenizer)) {
            throw new ProfileException("tokenizer", "must be none, " + String.join(", ", Tokenizers.jtokkitIds())
                    + ", hf:NAME or hf:PATH, got " + quoted(tokenizer));
        }
        if (vocabSize < 2 || vocabSize > MAX_VOCAB) {
            throw new ProfileException("vocab_size", "must be in 2.." + MAX_VOCAB + ", got " + vocabSize);
        }
        if (Tokenizers.isJtokkit(tokenizer) && vocabSize < Tokenizers.jtokkitVocabSize(tokenizer)) {
            throw new ProfileException("vocab_size", "is " + vocabSize + " but tokenizer " + tokenizer + " has "
                    + Tokenizers.jtokkitVocabSize(tokenizer) + " token ids (incl. special tokens); its ids would not fit");
        }
        if (tokenizerSha256 != null && !tokenizerSha256.matches("[0-9a-f]{64}")) {
            throw new ProfileException("tokenizer_sha256", "must be 64 lower-case hex digits (a SHA-256), got "
                    + quoted(tokenizerSha256));
        }
        if ("none".equals(tokenizer) && tokenizerSha256 != null) {
            throw new ProfileException("tokenizer_sha256", "must be absent for tokenizer none (no vocabulary to pin)");
        }
        if (tokenizer.startsWith(Tokenizers.HF_PREFIX) && tokenizerSha256 == null) {
            throw new ProfileException("tokenizer_sha256", "is required for Hugging Face tokenizer " + tokenizer
                    + " (a tokenizer.json file can change; provmark profile create records it)");
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

    /** A profile whose tokenizer vocabulary is not pinned (tokenizer_sha256 absent). */
    public Profile(String scheme, SchemeParams params, String prf, int contextWidth, String tokenizer, int vocabSize,
                   String keyId, DedupRule dedup, boolean scorePartialContext, int eosTokenId) {
        this(scheme, params, prf, contextWidth, tokenizer, vocabSize, keyId, dedup, scorePartialContext, eosTokenId, null);
    }

    private static String quoted(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }

    /** A profile with the defaults for a scheme, tokenizer not pinned (null tokenizer_sha256). */
    public static Profile defaults(String scheme, String keyId, String tokenizer, int vocabSize) {
        return defaults(scheme, keyId, tokenizer, vocabSize, null);
    }

    /** A profile with the defaults for a scheme (see {@code docs/statistics.md}) and this tokenizer pin. */
    public static Profile defaults(String scheme, String keyId, String tokenizer, int vocabSize, String tokenizerSha256) {
        return switch (scheme) {
            case RedGreenParams.SCHEME -> new Profile(scheme, new RedGreenParams(0.25, 2.0, RedGreenParams.Seeding.LEFT_HASH),
                    ProvmarkPrf.ID, 1, tokenizer, vocabSize, keyId, DedupRule.PRF_INPUT, false, -1, tokenizerSha256);
            case GumbelParams.SCHEME -> new Profile(scheme, new GumbelParams(0), ProvmarkPrf.ID, 2, tokenizer, vocabSize,
                    keyId, DedupRule.PRF_INPUT, false, -1, tokenizerSha256);
            case SynthIdParams.SCHEME -> new Profile(scheme, new SynthIdParams(30, SynthIdParams.defaultWeights(30),
                    SynthIdParams.Score.WEIGHTED_MEAN, 0), ProvmarkPrf.ID, 3, tokenizer, vocabSize, keyId,
                    DedupRule.PRF_INPUT, false, -1, tokenizerSha256);
            default -> throw new ProfileException("scheme", "must be one of red-green, gumbel, synthid, got \"" + scheme + "\"");
        };
    }

    public Profile withKeyId(String newKeyId) {
        return new Profile(scheme, params, prf, contextWidth, tokenizer, vocabSize, newKeyId, dedup, scorePartialContext,
                eosTokenId, tokenizerSha256);
    }

    public Profile withDedup(DedupRule rule) {
        return new Profile(scheme, params, prf, contextWidth, tokenizer, vocabSize, keyId, rule, scorePartialContext,
                eosTokenId, tokenizerSha256);
    }

    /** This profile pinned to a tokenizer vocabulary hash (null: not pinned). */
    public Profile withTokenizerSha256(String sha256) {
        return new Profile(scheme, params, prf, contextWidth, tokenizer, vocabSize, keyId, dedup, scorePartialContext,
                eosTokenId, sha256);
    }
}
