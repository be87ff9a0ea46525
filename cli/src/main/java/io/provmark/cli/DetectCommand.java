package io.provmark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.compat.CompatDetector;
import io.provmark.core.compat.CompatProfiles;
import io.provmark.core.compat.CompatResult;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.detect.MultiKeyEvidence;
import io.provmark.core.detect.PositionDetail;
import io.provmark.core.detect.WindowedEvidence;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileException;
import io.provmark.core.scheme.Schemes;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark detect}: scores suspect text or token ids against a profile and key. */
@Command(name = "detect",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Test suspect text or token ids for the watermark.",
        description = {
            "Test suspect text or token ids for the watermark of a profile and key. Each input "
                    + "gets an exact p-value: the probability that text written without this key "
                    + "scores at least this high. Repeated scored tuples are dropped first (the "
                    + "profile's dedup rule); prompt tokens give context but are never scored, and by "
                    + "default a suspect tuple that also occurs in the prompt is not scored either. "
                    + "Very small p-values underflow a double: then p_value is 0.0 and log10_p_value "
                    + "holds the real value (e.g. -1204.3).",
            "",
            "With --token-ids the input is JSONL, one object per line:",
            "  {\"id\": \"doc-1\", \"tokens\": [464, 2068], \"prompt_tokens\": [1, 2]}",
            "id (string or integer) defaults to the line number and prompt_tokens is optional; "
                    + "other fields are rejected, and every line is checked before anything is scored. "
                    + "With --text the file (UTF-8) is NFC-normalised and tokenized with the profile's "
                    + "tokenizer; special-token strings in it count as ordinary text.",
            "",
            "JSON output is one line per input with id, scheme, key_id, num_tokens, num_scored, "
                    + "statistic_name, statistic, p_value, log10_p_value, z (descriptive only), exact "
                    + "(false: the p-value is a rigorous upper bound) and dedup; plus positions "
                    + "(--per-token), window (--window), or keys, holm_p_value and matched_key "
                    + "(--all-keys).",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark detect --profile p.json --keyset k.pmk --token-ids suspect.jsonl",
            "  provmark detect --profile p.json --keyset k.pmk --text a.txt --format table",
            "  provmark detect --profile p.json --keyset k.pmk --text a.txt --window 50",
            "  provmark detect --profile p.json --keyset k.pmk --token-ids s.jsonl --all-keys",
            "  cat a.txt | provmark detect --profile p.json --keyset k.pmk --text -"})
final class DetectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext ctx;

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "The watermark profile (JSON).")
    Path profileFile;

    @Option(names = "--keyset", paramLabel = "FILE",
            description = "The keyset holding the profile's key (passphrase from PROVMARK_KEYSET_PASSPHRASE or"
                    + " the terminal). Required for provmark profiles; compat profiles (vllm, hf-kgw,"
                    + " lm-watermarking-kgw, hf-synthid, deepmind-synthid, three-bricks) carry upstream's key.")
    Path keysetFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--text", required = true, paramLabel = "FILE",
                description = "A UTF-8 text file to tokenize with the profile's tokenizer; - reads standard input.")
        Path text;

        @Option(names = "--token-ids", required = true, paramLabel = "FILE",
                description = "JSONL of token id sequences (see above); - reads standard input.")
        Path tokenIds;
    }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "Output format: json (one JSON object per line, the default) or table (aligned columns"
                    + " for people).")
    String format;

    @Option(names = "--per-token",
            description = "Also report every position: index, token id, status (scored, duplicate, in-prompt,"
                    + " partial-context, eos, after-eos) and its score value.")
    boolean perToken;

    @Option(names = "--no-prompt-exclusion",
            description = "Score suspect tuples even when they also occur in the prompt tokens.")
    boolean noPromptExclusion;

    @Option(names = "--window", paramLabel = "MIN",
            description = "Also search for the most significant window of at least MIN scored tokens, for"
                    + " text that is only partly watermarked; its p-value is Bonferroni-corrected for"
                    + " every window compared.")
    Integer window;

    @Option(names = "--all-keys",
            description = "Test every key of the keyset with the profile's parameters (e.g. after key"
                    + " rotations), Holm-corrected for the number of keys; reports which key matched.")
    boolean allKeys;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.001",
            description = "Significance level for the verdict (table) and matched_key (--all-keys). It never"
                    + " changes a p-value. Default ${DEFAULT-VALUE}.")
    double alpha;

    DetectCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    /** One input's results, ready to print. */
    private static final class Result {
        Object id;
        Evidence evidence;
        WindowedEvidence windowed;
        MultiKeyEvidence multi;
        List<PositionDetail> positions = List.of();
    }

    @Override
    public Integer call() {
        if (!format.equals("json") && !format.equals("table")) {
            throw CliException.usage("--format must be json or table, got '" + format + "'");
        }
        if (window != null && window < 1) {
            throw CliException.usage("--window must be at least 1 scored token, got " + window);
        }
        if (window != null && allKeys) {
            throw CliException.usage("--window and --all-keys cannot be combined");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw CliException.usage("--alpha must be in (0, 1), got " + alpha);
        }
        String profileJson = Io.readUtf8(ctx, profileFile, "profile");
        if (CompatProfiles.isCompat(profileJson)) {
            return runCompat(profileJson);
        }
        if (keysetFile == null) {
            throw CliException.usage("--keyset is required for provmark profiles (profile " + profileFile + ")");
        }
        Profile profile = Profiles.read(ctx, profileFile);
        List<TokenInput> inputs = readInputs(profile);
        Keyset keyset = Io.openKeyset(ctx, keysetFile);

        List<Result> results = new ArrayList<>();
        if (allKeys) {
            List<Detector> detectors = new ArrayList<>();
            for (WatermarkKey k : keyset.keys()) {
                detectors.add(new Detector(Schemes.create(profile.withKeyId(k.id()), k), !noPromptExclusion));
            }
            for (TokenInput in : inputs) {
                Result r = new Result();
                r.id = in.id;
                r.multi = Detector.detectAll(detectors, in.tokens, in.prompt, perToken);
                r.evidence = r.multi.best().evidence();
                r.positions = r.evidence.positions();
                results.add(r);
            }
        } else {
            if (!keyset.contains(profile.keyId())) {
                throw CliException.key("profile/key mismatch: profile " + profileFile + " names key '"
                        + profile.keyId() + "' but keyset " + keysetFile + " holds "
                        + String.join(", ", KeysFingerprintCommand.ids(keyset))
                        + " (use the keyset the profile was made with, or --all-keys)");
            }
            Detector detector = new Detector(Schemes.create(profile, keyset.key(profile.keyId())), !noPromptExclusion);
            for (TokenInput in : inputs) {
                Result r = new Result();
                r.id = in.id;
                if (window != null) {
                    r.windowed = detector.detectBestWindow(in.tokens, in.prompt, window);
                    r.evidence = r.windowed.whole();
                    if (perToken) {
                        r.positions = detector.detect(in.tokens, in.prompt, true).positions();
                    }
                } else {
                    r.evidence = detector.detect(in.tokens, in.prompt, perToken);
                    r.positions = r.evidence.positions();
                }
                results.add(r);
            }
        }
        if (format.equals("json")) {
            printJson(results);
        } else {
            printTable(results);
        }
        return ExitCodes.OK;
    }

    // ---- compat profiles (other stacks' watermarks) -------------------------------------------

    private int runCompat(String profileJson) {
        if (window != null || allKeys) {
            throw CliException.usage("--window and --all-keys are not available for compat profiles");
        }
        if (source.tokenIds == null) {
            throw CliException.badInput("compat profile " + profileFile + " verifies token ids; use --token-ids"
                    + " (tokenize with the upstream model's own tokenizer)");
        }
        CompatDetector compat;
        try {
            compat = CompatProfiles.read(profileJson);
        } catch (ProfileException e) {
            throw CliException.badInput("profile " + profileFile + ": " + e.getMessage());
        }
        String content = Io.readUtf8(ctx, source.tokenIds, "token file");
        List<TokenInput> inputs = TokenInput.parseJsonl(content, source.tokenIds, compat.vocabSize());
        List<String> lines = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "SCHEME", "UPSTREAM", "SCORED", "P-VALUE", "LOG10 P", "EXACT"});
        try {
            for (TokenInput in : inputs) {
                CompatResult r = compat.detect(in.tokens, in.prompt, perToken);
                Evidence e = r.evidence();
                ObjectNode o = JSON.createObjectNode();
                putId(o, in.id);
                o.put("scheme", compat.upstream());
                o.set("upstream", JSON.valueToTree(finite(r.upstream())));
                ObjectNode ev = o.putObject("evidence");
                ev.put("num_tokens", e.numTokens());
                ev.put("num_scored", e.numScored());
                ev.put("statistic_name", e.statisticName());
                num(ev, "statistic", e.statistic());
                num(ev, "p_value", e.pValue());
                num(ev, "log10_p_value", e.log10PValue());
                num(ev, "z", e.z());
                ev.put("exact", e.exact());
                ev.put("dedup", e.dedup());
                ArrayNode notes = o.putArray("notes");
                compat.notes().forEach(notes::add);
                if (perToken) {
                    o.set("positions", JSON.valueToTree(finite(r.perToken())));
                }
                lines.add(JSON.writeValueAsString(o));
                rows.add(new String[] {String.valueOf(in.id), compat.upstream(), String.valueOf(r.upstream()),
                    Integer.toString(e.numScored()), fmtP(e.pValue(), e.log10PValue()), fmtLog(e.log10PValue()),
                    Boolean.toString(e.exact())});
            }
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write JSON output", ex);
        }
        if (format.equals("json")) {
            lines.forEach(ctx.out::println);
        } else {
            Table.print(ctx.out, rows, new boolean[] {false, false, false, true, true, true, false});
            for (String n : compat.notes()) {
                ctx.out.println("note: " + n);
            }
        }
        return ExitCodes.OK;
    }

    /** JSON has no NaN or infinity: replaces them with null, recursively. */
    private static Object finite(Object v) {
        if (v instanceof Double d && !Double.isFinite(d)) {
            return null;
        }
        if (v instanceof Float f && !Float.isFinite(f)) {
            return null;
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, finite(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(finite(x)));
            return out;
        }
        return v;
    }

    private static void putId(ObjectNode o, Object id) {
        if (id instanceof String) {
            o.put("id", (String) id);
        } else if (id instanceof Long) {
            o.put("id", (Long) id);
        } else {
            o.put("id", (BigInteger) id);
        }
    }

    private List<TokenInput> readInputs(Profile profile) {
        if (source.tokenIds != null) {
            String content = Io.readUtf8(ctx, source.tokenIds, "token file");
            return TokenInput.parseJsonl(content, source.tokenIds, profile.vocabSize());
        }
        if ("none".equals(profile.tokenizer())) {
            throw CliException.badInput("this profile has no tokenizer; use --token-ids (profile " + profileFile
                    + " has tokenizer 'none')");
        }
        // the tokenizer is checked (id known, vocabulary hash as pinned) before the text is read
        io.provmark.core.text.TextTokenizer tok = Tokenizers.forProfile(ctx, profile, profileFile,
                "detect --text tokenizes with the profile's tokenizer");
        String text = Io.readUtf8(ctx, source.text, "text file");
        if (text.isBlank()) {
            throw CliException.badInput("text file " + source.text + " is empty (nothing to test)");
        }
        int[] tokens = tok.encode(text);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] >= profile.vocabSize()) {
                throw CliException.badInput("text file " + source.text + ": token " + i + " = " + tokens[i]
                        + " from " + profile.tokenizer() + " is outside the profile's vocabulary (vocab_size "
                        + profile.vocabSize() + "); the profile does not fit its tokenizer");
            }
        }
        return List.of(new TokenInput(source.text.toString(), tokens, new int[0]));
    }

    // ---- JSON ---------------------------------------------------------------------------------

    private void printJson(List<Result> results) {
        List<String> lines = new ArrayList<>();
        try {
            for (Result r : results) {
                lines.add(JSON.writeValueAsString(toJson(r)));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON output", e);
        }
        for (String l : lines) {
            ctx.out.println(l);
        }
    }

    private ObjectNode toJson(Result r) {
        Evidence e = r.evidence;
        ObjectNode o = JSON.createObjectNode();
        if (r.id instanceof String) {
            o.put("id", (String) r.id);
        } else if (r.id instanceof Long) {
            o.put("id", (Long) r.id);
        } else {
            o.put("id", (BigInteger) r.id);
        }
        o.put("scheme", e.scheme());
        o.put("key_id", e.keyId());
        o.put("num_tokens", e.numTokens());
        o.put("num_scored", e.numScored());
        o.put("statistic_name", e.statisticName());
        num(o, "statistic", e.statistic());
        num(o, "p_value", e.pValue());
        num(o, "log10_p_value", e.log10PValue());
        num(o, "z", e.z());
        o.put("exact", e.exact());
        o.put("dedup", e.dedup());
        if (r.windowed != null) {
            WindowedEvidence w = r.windowed;
            ObjectNode wn = o.putObject("window");
            wn.put("start_token", w.startToken());
            wn.put("end_token", w.endToken());
            wn.put("num_scored", w.best().numScored());
            num(wn, "statistic", w.best().statistic());
            num(wn, "p_value", w.best().pValue());
            num(wn, "log10_p_value", w.best().log10PValue());
            wn.put("windows_tried", w.windowsTried());
            num(wn, "adjusted_p_value", w.adjustedPValue());
            num(wn, "adjusted_log10_p_value", w.adjustedLog10PValue());
        }
        if (r.multi != null) {
            MultiKeyEvidence m = r.multi;
            num(o, "holm_p_value", m.best().holmPValue());
            num(o, "holm_log10_p_value", m.best().holmLog10PValue());
            num(o, "alpha", alpha);
            String matched = m.matchedKeyId(alpha);
            if (matched == null) {
                o.putNull("matched_key");
            } else {
                o.put("matched_key", matched);
            }
            ArrayNode keys = o.putArray("keys");
            for (MultiKeyEvidence.KeyResult kr : m.results()) {
                ObjectNode kn = keys.addObject();
                kn.put("key_id", kr.evidence().keyId());
                kn.put("num_scored", kr.evidence().numScored());
                num(kn, "statistic", kr.evidence().statistic());
                num(kn, "p_value", kr.evidence().pValue());
                num(kn, "log10_p_value", kr.evidence().log10PValue());
                num(kn, "holm_p_value", kr.holmPValue());
                num(kn, "holm_log10_p_value", kr.holmLog10PValue());
            }
        }
        if (perToken) {
            ArrayNode pos = o.putArray("positions");
            for (PositionDetail d : r.positions) {
                ObjectNode pn = pos.addObject();
                pn.put("index", d.index());
                pn.put("token", d.token());
                pn.put("status", d.status().wire());
                num(pn, "value", d.value());
            }
        }
        return o;
    }

    /** Non-finite numbers (e.g. z with nothing scored) become null: JSON has no NaN. */
    private static void num(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v == 0.0 ? 0.0 : v);
        } else {
            o.putNull(field);
        }
    }

    // ---- table --------------------------------------------------------------------------------

    private void printTable(List<Result> results) {
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("ID", "SCHEME", "KEY", "TOKENS", "SCORED", "STATISTIC",
                "VALUE", "P-VALUE", "LOG10 P", "Z"));
        if (window != null) {
            header.addAll(List.of("WINDOW", "WINDOW ADJ. P"));
        }
        if (allKeys) {
            header.add("HOLM P");
        }
        header.add("VERDICT");
        rows.add(header.toArray(new String[0]));
        for (Result r : results) {
            Evidence e = r.evidence;
            List<String> row = new ArrayList<>(List.of(String.valueOf(r.id), e.scheme(), e.keyId(),
                    Integer.toString(e.numTokens()), Integer.toString(e.numScored()), e.statisticName(),
                    fmt(e.statistic()), fmtP(e.pValue(), e.log10PValue()), fmtLog(e.log10PValue()), fmt(e.z())));
            double decisive = e.log10PValue();
            if (r.windowed != null) {
                WindowedEvidence w = r.windowed;
                row.add("[" + w.startToken() + ", " + w.endToken() + ")");
                row.add(fmtP(w.adjustedPValue(), w.adjustedLog10PValue()));
                decisive = w.adjustedLog10PValue();
            }
            if (r.multi != null) {
                row.add(fmtP(r.multi.best().holmPValue(), r.multi.best().holmLog10PValue()));
                decisive = r.multi.best().holmLog10PValue();
            }
            row.add(decisive < Math.log10(alpha) ? "WATERMARK" + (r.multi != null ? " (key " + e.keyId() + ")" : "")
                    : "no evidence");
            rows.add(row.toArray(new String[0]));
        }
        boolean[] right = new boolean[rows.get(0).length];
        for (int c = 3; c < right.length - 1; c++) {
            right[c] = c != 5;
        }
        Table.print(ctx.out, rows, right);
        ctx.out.println("verdict: WATERMARK when the " + (window != null ? "window-adjusted " : allKeys
                ? "Holm-adjusted " : "") + "p-value is below alpha = " + alpha);
        if (perToken) {
            for (Result r : results) {
                ctx.out.println();
                ctx.out.println("positions of " + r.id + " (key " + r.evidence.keyId() + "):");
                List<String[]> pr = new ArrayList<>();
                pr.add(new String[] {"INDEX", "TOKEN", "STATUS", "VALUE"});
                for (PositionDetail d : r.positions) {
                    pr.add(new String[] {Integer.toString(d.index()), Integer.toString(d.token()), d.status().wire(),
                            Double.isNaN(d.value()) ? "-" : fmt(d.value())});
                }
                Table.print(ctx.out, pr, new boolean[] {true, true, false, true});
            }
        }
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String fmtLog(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", v == 0.0 ? 0.0 : v);
    }

    /** p as a number while a double holds it in normal range, else as a power of ten. */
    static String fmtP(double p, double log10) {
        if (p >= Double.MIN_NORMAL) {
            return String.format(Locale.ROOT, p >= 1e-3 ? "%.4f" : "%.3e", p);
        }
        return Double.isFinite(log10) ? String.format(Locale.ROOT, "10^%.1f", log10) : "0";
    }
}
