package io.provmark.verifier;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.text.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /api/detect}: scores one token sequence (or text) against a stored profile and answers
 * at once. Scores leak information about the watermark (enough calls let a caller learn which
 * tokens are favoured), so calls are rate limited per API token with their own bucket. Calls are
 * counted in metrics rather than audited one by one (an audit row per call would let one client
 * grow the chained log without bound); rate-limit denials are audited, once per run of denials.
 * Also holds the optional metrics scraper token of {@code GET /metrics}.
 */
final class Detection {
    /** Largest number of profiles whose prepared detector is kept; profiles are immutable rows. */
    private static final int CACHE_LIMIT = 256;

    private final VerifierServer s;
    private final RateLimiter limiter;
    private final byte[] metricsTokenSha256;
    private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();

    /** A stored profile and its detector (schemes and the PRF are thread-safe, so one is shared). */
    private record Prepared(Profile profile, Detector detector) {
    }

    Detection(VerifierServer s, RateLimiter limiter, byte[] metricsTokenSha256) {
        this.s = s;
        this.limiter = limiter;
        this.metricsTokenSha256 = metricsTokenSha256;
    }

    /** SHA-256 of the token in {@code file}, or null without a file; the token itself is not kept. */
    static byte[] readMetricsToken(Path file) throws IOException {
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("metrics token file " + file + " does not exist");
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (token.length() < 32 || token.length() > 190 || !token.chars().allMatch(ch -> ch > 32 && ch < 127)) {
            // the message never echoes the file's content
            throw new IllegalStateException("metrics token file " + file
                    + " must hold one token of 32 to 190 printable ASCII characters without spaces");
        }
        return sha256(token);
    }

    /** Whether the request carries the metrics scraper token (compared in constant time). */
    boolean isMetricsToken(Context ctx) {
        String auth = ctx.header("Authorization");
        if (metricsTokenSha256 == null || auth == null || !auth.startsWith("Bearer ") || auth.length() > 200) {
            return false;
        }
        return MessageDigest.isEqual(metricsTokenSha256, sha256(auth.substring(7).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void detect(Context ctx, VerifierServer.Caller c) throws IOException {
        try {
            s.limit(limiter, "detect", c); // before reading the body: a limited caller costs no parsing
        } catch (RateLimiter.Denied d) {
            s.metrics.detectRateLimited();
            throw d;
        }
        Map<String, Object> out;
        int tokens;
        try {
            JsonNode b = VerifierServer.readJson(ctx);
            VerifierServer.onlyFields(b, "profileId", "tokens", "prompt_tokens", "text");
            String profileId = VerifierServer.text(b, "profileId", true, 64);
            boolean hasTokens = b.has("tokens") && !b.get("tokens").isNull();
            boolean hasText = b.has("text") && !b.get("text").isNull();
            if (hasTokens == hasText) {
                throw new ApiException(400, "give exactly one of \"tokens\" (token ids) and \"text\"");
            }
            if (hasText && b.has("prompt_tokens")) {
                throw new ApiException(400, "\"prompt_tokens\" goes with \"tokens\", not with \"text\"");
            }
            Prepared p = prepare(profileId);
            int[] toks;
            int[] prompt = new int[0];
            if (hasTokens) {
                toks = ids(b.get("tokens"), "tokens", p.profile());
                if (b.has("prompt_tokens") && !b.get("prompt_tokens").isNull()) {
                    prompt = ids(b.get("prompt_tokens"), "prompt_tokens", p.profile());
                }
            } else {
                toks = encode(VerifierServer.text(b, "text", true, Integer.MAX_VALUE), p.profile(), profileId);
            }
            if (toks.length == 0) {
                throw new ApiException(400, "nothing to score: " + (hasTokens ? "\"tokens\" is empty" : "the text has no tokens"));
            }
            Evidence e;
            try {
                e = p.detector().detect(toks, prompt, false);
            } catch (IllegalArgumentException ex) { // the detector re-checks ids; say what, not a 500
                throw new ApiException(422, ex.getMessage());
            }
            tokens = toks.length;
            out = new LinkedHashMap<>();
            out.put("profile_id", profileId);
            out.put("scheme", e.scheme());
            out.put("key_id", e.keyId());
            out.put("num_tokens", e.numTokens());
            out.put("num_scored", e.numScored());
            out.put("statistic_name", e.statisticName());
            out.put("statistic", num(e.statistic()));
            out.put("p_value", num(e.pValue()));
            out.put("log10_p_value", num(e.log10PValue()));
            out.put("z", num(e.z()));
            out.put("exact", e.exact());
            out.put("dedup", e.dedup());
        } catch (ApiException e) {
            s.metrics.detectInvalid();
            throw e;
        }
        s.metrics.detectScored(tokens);
        VerifierServer.json(ctx, 200, out);
    }

    private Prepared prepare(String profileId) {
        Prepared p = prepared.get(profileId);
        if (p != null) {
            return p;
        }
        String json = s.db.jdbi.withHandle(h -> h.createQuery("SELECT json FROM profiles WHERE id = :id")
                .bind("id", profileId).mapTo(String.class).findOne())
                .orElseThrow(() -> new ApiException(404, "unknown profile " + profileId));
        Profile profile;
        try {
            profile = ProfileJson.read(json);
        } catch (ProfileException e) {
            throw new ApiException(422, "stored profile " + profileId + " no longer parses: " + e.getMessage());
        }
        if (!s.keyset.contains(profile.keyId())) {
            throw new ApiException(422, "the profile's key " + profile.keyId() + " is not in the service keyset");
        }
        p = new Prepared(profile, new Detector(Schemes.create(profile, s.keyset.key(profile.keyId()))));
        if (prepared.size() >= CACHE_LIMIT) {
            prepared.clear(); // rare (many profiles): rebuilding a detector is cheap next to unbounded growth
        }
        prepared.put(profileId, p);
        return p;
    }

    /** A JSON array of token ids: integers in 0..vocab_size-1, named by index when not. */
    private static int[] ids(JsonNode arr, String field, Profile profile) {
        if (!arr.isArray()) {
            throw new ApiException(400, "field \"" + field + "\" must be an array of token ids");
        }
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
                throw new ApiException(400, field + "[" + i + "] must be a non-negative integer token id, got " + abbreviate(v.toString()));
            }
            out[i] = v.intValue();
            if (out[i] >= profile.vocabSize()) {
                throw new ApiException(422, field + "[" + i + "] = " + out[i] + " is outside the profile's vocabulary (vocab_size "
                        + profile.vocabSize() + ")");
            }
        }
        return out;
    }

    private static int[] encode(String text, Profile profile, String profileId) {
        if ("none".equals(profile.tokenizer())) {
            throw new ApiException(422, "\"text\" needs a profile with a tokenizer; profile " + profileId + " has none (send \"tokens\")");
        }
        try {
            return io.provmark.core.profile.ProfileTokenizers.resolve(profile).encode(text); // checks the pinned vocabulary
        } catch (RuntimeException e) {
            throw new ApiException(422, "cannot tokenize with " + profile.tokenizer() + ": " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** A finite double as a number, else its name as a string (JSON has no infinities). */
    private static Object num(double d) {
        return Double.isFinite(d) ? (Object) d : (Object) Double.toString(d);
    }
}
