package io.provmark.cli;

import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.DedupRule;
import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import io.provmark.core.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark profile create}: writes a validated profile from defaults and overrides. */
@Command(name = "create",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Write a watermark profile.",
        description = {
            "Write a watermark profile: the public parameters that, together with the key, fix "
                    + "every watermark decision. Unset parameters take the scheme's defaults:",
            "  red-green  gamma 0.25, delta 2.0, left-hash seeding, context width 1",
            "  gumbel     context width 2, repeated-context window 0 (whole sequence)",
            "  synthid    depth 30, weights 30..1, weighted-mean score, context width 3",
            "and for all: dedup prf-input, no EOS token, partial contexts not scored.",
            "",
            "With a tokenizer other than none the profile records its vocabulary SHA-256 "
                    + "(tokenizer_sha256); detect, calibrate and generate then refuse a tokenizer whose "
                    + "vocabulary differs.",
            "",
            "The profile names a key by id: give --key-id, or --keyset to take the keyset's "
                    + "primary key (with both, the id is checked against the keyset).",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark profile create --scheme red-green --keyset keys.pmk \\",
            "      --tokenizer cl100k_base --gamma 0.5 --delta 1.5 --out profile.json",
            "  provmark profile create --scheme gumbel --key-id acme-2025 --tokenizer hf:qwen3 \\",
            "      --vocab-size 151936 --out qwen3-gumbel.json",
            "  provmark profile create --scheme synthid --key-id acme-2025 --tokenizer none \\",
            "      --vocab-size 128256 --depth 20 --out llama-synthid.json"})
final class ProfileCreateCommand implements Callable<Integer> {
    /** Profile field name → the option that sets it, for error messages. */
    private static final Map<String, String> OPTION_OF = Map.ofEntries(
            Map.entry("scheme", "--scheme"), Map.entry("tokenizer", "--tokenizer"),
            Map.entry("vocab_size", "--vocab-size"), Map.entry("key_id", "--key-id"),
            Map.entry("context_width", "--context-width"), Map.entry("dedup", "--dedup"),
            Map.entry("eos_token_id", "--eos-token-id"), Map.entry("params.gamma", "--gamma"),
            Map.entry("params.delta", "--delta"), Map.entry("params.seeding", "--seeding"),
            Map.entry("params.depth", "--depth"), Map.entry("params.weights", "--depth"),
            Map.entry("params.score", "--score"),
            Map.entry("params.repeated_context_window", "--repeated-context-window"));

    private final CliContext ctx;

    @Option(names = "--scheme", required = true, paramLabel = "SCHEME",
            description = "Watermark scheme: red-green (KGW green lists), gumbel (Aaronson Gumbel-max,"
                    + " distortion-free) or synthid (tournament sampling).")
    String scheme;

    @Option(names = "--keyset", paramLabel = "FILE",
            description = "Take the key id from this keyset's primary key (needs the passphrase).")
    Path keyset;

    @Option(names = "--key-id", paramLabel = "ID",
            description = "The id of the key the profile uses (no keyset needed).")
    String keyId;

    @Option(names = "--tokenizer", required = true, paramLabel = "NAME",
            description = "Tokenizer of the model: none (token ids only), r50k_base, p50k_base, cl100k_base,"
                    + " o200k_base (jtokkit encodings), hf:NAME (tokenizers/NAME/tokenizer.json in the data"
                    + " directory, e.g. hf:qwen3) or hf:PATH (a tokenizer.json file or its directory).")
    String tokenizer;

    @Option(names = "--vocab-size", paramLabel = "N",
            description = "Size of the model's output vocabulary (number of logits). Required with"
                    + " --tokenizer none. With a tokenizer the default is its size (largest id incl."
                    + " special tokens + 1: r50k_base 50257, p50k_base 50281, cl100k_base 100277,"
                    + " o200k_base 200019, hf:qwen3 151669); a larger N is allowed for models with"
                    + " padded output layers, a smaller one is not.")
    Integer vocabSize;

    @Option(names = "--gamma", paramLabel = "G",
            description = "red-green: fraction of the vocabulary on the green list, in (0, 1). Default 0.25.")
    Double gamma;

    @Option(names = "--delta", paramLabel = "D",
            description = "red-green: logit bias added to green tokens, in [0, 100]. Default 2.0.")
    Double delta;

    @Option(names = "--seeding", paramLabel = "RULE",
            description = "red-green: left-hash (green list seeded by the preceding tokens) or self-hash"
                    + " (min-hash over them and the candidate). Default left-hash.")
    String seeding;

    @Option(names = "--context-width", paramLabel = "H",
            description = "How many preceding tokens seed the PRF. 0 (red-green only) is the Unigram"
                    + " watermark. Defaults: red-green 1, gumbel 2, synthid 3.")
    Integer contextWidth;

    @Option(names = "--depth", paramLabel = "M",
            description = "synthid: number of tournament layers, 1..32 (weights M, M-1, ..., 1). Default 30.")
    Integer depth;

    @Option(names = "--score", paramLabel = "SCORE",
            description = "synthid: detection score, mean or weighted-mean. Default weighted-mean.")
    String score;

    @Option(names = "--repeated-context-window", paramLabel = "W",
            description = "gumbel, synthid: at generation, a context already seen within W positions is"
                    + " sampled without the watermark; 0 checks the whole sequence, -1 disables. Default 0.")
    Integer repeatedContextWindow;

    @Option(names = "--dedup", paramLabel = "RULE",
            description = "Which repeated scored tuples detection drops: prf-input (default), context,"
                    + " or none (p-values then invalid for repetitive text; experiments only).")
    String dedup;

    @Option(names = "--eos-token-id", paramLabel = "ID",
            description = "End-of-sequence token id: detection stops there. Default: none.")
    Integer eosTokenId;

    @Option(names = "--score-partial-context",
            description = "Also score the first positions, whose context is shorter than the context width.")
    boolean scorePartialContext;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the profile (JSON).")
    Path out;

    @Option(names = "--force", description = "Replace an existing output file.")
    boolean force;

    ProfileCreateCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (!io.provmark.core.text.Tokenizers.isWellFormed(tokenizer)) {
            throw CliException.usage("--tokenizer: unknown tokenizer '" + tokenizer + "'; "
                    + io.provmark.core.text.Tokenizers.known());
        }
        if (!scheme.equals(RedGreenParams.SCHEME) && !scheme.equals(GumbelParams.SCHEME)
                && !scheme.equals(SynthIdParams.SCHEME)) {
            throw CliException.usage("--scheme must be one of red-green, gumbel, synthid, got '" + scheme + "'");
        }
        onlyFor(RedGreenParams.SCHEME, "--gamma", gamma);
        onlyFor(RedGreenParams.SCHEME, "--delta", delta);
        onlyFor(RedGreenParams.SCHEME, "--seeding", seeding);
        onlyFor(SynthIdParams.SCHEME, "--depth", depth);
        onlyFor(SynthIdParams.SCHEME, "--score", score);
        if (repeatedContextWindow != null && scheme.equals(RedGreenParams.SCHEME)) {
            throw CliException.usage("--repeated-context-window applies only to --scheme gumbel or synthid");
        }
        if (keyset == null && keyId == null) {
            throw CliException.usage("give --key-id ID or --keyset FILE (whose primary key is used)");
        }
        if (keyId != null) {
            try {
                WatermarkKey.validateId(keyId);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--key-id: " + e.getMessage());
            }
        }
        // loads the tokenizer (seconds for a large tokenizer.json): its size and vocabulary hash go in the profile
        TextTokenizer tok = "none".equals(tokenizer) ? null : Tokenizers.byId(tokenizer);
        int vocab = resolveVocab(tok);
        if (!force && Files.exists(out)) {
            throw CliException.badInput("profile " + out + " already exists; use --force to replace it");
        }
        Profile profile;
        try {
            profile = build(vocab, "provisional-id", tok == null ? null : tok.vocabularySha256());
        } catch (ProfileException e) {
            throw invalidOption(e);
        }
        // only now the keyset: parameter mistakes are reported before any passphrase prompt
        String id = keyId;
        if (keyset != null) {
            Keyset ks = Io.openKeyset(ctx, keyset);
            if (id == null) {
                id = ks.primaryId();
            } else if (!ks.contains(id)) {
                throw CliException.key("key id '" + id + "' is not in keyset " + keyset + " (it holds "
                        + String.join(", ", KeysFingerprintCommand.ids(ks)) + ")");
            }
        }
        profile = profile.withKeyId(id);
        Io.writeFile(out, ProfileJson.write(profile).getBytes(StandardCharsets.UTF_8), force, "profile");
        ctx.out.println("wrote profile " + out + ": " + profile.scheme() + ", key " + profile.keyId()
                + ", tokenizer " + profile.tokenizer() + ", vocab_size " + profile.vocabSize()
                + (tok == null ? "" : ", vocabulary SHA-256 " + profile.tokenizerSha256()));
        return ExitCodes.OK;
    }

    private void onlyFor(String forScheme, String option, Object value) {
        if (value != null && !scheme.equals(forScheme)) {
            throw CliException.usage(option + " applies only to --scheme " + forScheme + " (this is " + scheme + ")");
        }
    }

    private int resolveVocab(TextTokenizer tok) {
        if (tok == null) {
            if (vocabSize == null) {
                throw CliException.usage("--vocab-size is required with --tokenizer none");
            }
            return vocabSize;
        }
        int derived = tok.vocabSize();
        if (vocabSize == null) {
            return derived;
        }
        if (vocabSize < derived) {
            throw CliException.usage("--vocab-size " + vocabSize + " is smaller than the " + tokenizer
                    + " vocabulary (" + derived + " ids incl. special tokens); its token ids would not fit");
        }
        return vocabSize;
    }

    private Profile build(int vocab, String id, String tokenizerSha256) {
        Profile d = Profile.defaults(scheme, id, tokenizer, vocab, tokenizerSha256);
        SchemeParams params = d.params();
        if (params instanceof RedGreenParams) {
            RedGreenParams rg = (RedGreenParams) params;
            params = new RedGreenParams(gamma == null ? rg.gamma() : gamma, delta == null ? rg.delta() : delta,
                    seeding == null ? rg.seeding() : RedGreenParams.Seeding.parse(seeding));
        } else if (params instanceof GumbelParams) {
            GumbelParams g = (GumbelParams) params;
            params = new GumbelParams(repeatedContextWindow == null ? g.repeatedContextWindow() : repeatedContextWindow);
        } else {
            SynthIdParams s = (SynthIdParams) params;
            int m = depth == null ? s.depth() : depth;
            if (m < 1 || m > SynthIdParams.MAX_DEPTH) {
                throw new ProfileException("params.depth", "must be in 1.." + SynthIdParams.MAX_DEPTH + ", got " + m);
            }
            params = new SynthIdParams(m, depth == null ? s.weights() : SynthIdParams.defaultWeights(m),
                    score == null ? s.score() : SynthIdParams.Score.parse(score),
                    repeatedContextWindow == null ? s.repeatedContextWindow() : repeatedContextWindow);
        }
        return new Profile(scheme, params, d.prf(), contextWidth == null ? d.contextWidth() : contextWidth,
                tokenizer, vocab, id, dedup == null ? d.dedup() : DedupRule.parse("dedup", dedup),
                scorePartialContext, eosTokenId == null ? d.eosTokenId() : eosTokenId, tokenizerSha256);
    }

    /** "profile field 'params.gamma' must be ..." becomes "--gamma must be ...". */
    private static CliException invalidOption(ProfileException e) {
        String prefix = "profile field '" + e.field() + "' ";
        String msg = e.getMessage();
        String problem = msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
        String option = OPTION_OF.getOrDefault(e.field(), e.field());
        return CliException.usage(option + " " + problem);
    }
}
