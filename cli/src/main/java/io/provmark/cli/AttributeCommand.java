package io.provmark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.attribution.CorpusAttribution.Answer;
import io.provmark.core.attribution.ReadingModeAttribution;
import io.provmark.core.compat.CompatProfiles;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.stats.LogP;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark attribute}: corpus-level radioactivity test of a suspect model's answers. */
@Command(name = "attribute",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Test whether a suspect model learned from our watermarked outputs.",
        description = {
            "Closed-model radioactivity test (Sander et al.): all answers of a suspect model "
                    + "are scored as ONE stream with ONE dedup tape, so a tuple the student repeats "
                    + "counts once in the whole corpus. Every tuple that occurs in any prompt (the "
                    + "--prompts file and each answer's prompt_tokens) is excluded, so a model that "
                    + "merely copies our watermarked prompts is not accused. The p-value is exact "
                    + "under the scheme's null over the total count and sum.",
            "",
            "Answers and prompts are JSONL token ids, one object per line:",
            "  {\"id\": \"a-1\", \"tokens\": [464, 2068], \"prompt_tokens\": [1, 2]}",
            "",
            "Reading mode (--reading FILE instead of --answers): our watermarked texts were fed to "
                    + "the suspect with echo + logprobs (teacher forcing); each line holds our text's "
                    + "token ids and the suspect's top-1 predictions, as ids (predicted_tokens) or as "
                    + "the OpenAI-style logprobs object (text_offset, top_logprobs) with the text sent; "
                    + "another tokenizer's predictions are aligned to our tokens by character offsets. "
                    + "The tuples (our context, the suspect's prediction) are scored with one dedup "
                    + "tape; a tuple already in the text before that position is not scored.",
            "",
            "Output (one JSON object): num_answers, num_tokens, num_scored, statistic, "
                    + "p_value, log10_p_value, curve (log10 p after 1, 2, 4, ... answers), "
                    + "controls (p-values under fresh random keys, their KS uniformity test, the "
                    + "empirical p-value; and --reference results), per_key (Holm-corrected), "
                    + "attributed_keys, verdict, parameters and input SHA-256 hashes. See "
                    + "docs/attribution.md.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark attribute --profile p.json --keyset k.pmk --answers a.jsonl",
            "  provmark attribute --profile p.json --keyset k.pmk --answers a.jsonl \\",
            "      --prompts prompts.jsonl --controls 100 --all-keys --format table",
            "  provmark attribute --profile p.json --keyset k.pmk --answers a.jsonl \\",
            "      --teacher-outputs ours.jsonl --min-context-count 2 --out report.json",
            "  provmark attribute --profile p.json --keyset k.pmk --reading reading.jsonl --controls 100"})
final class AttributeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext ctx;

    @Option(names = "--profile", required = true, paramLabel = "FILE",
            description = "The watermark profile (JSON) the teacher's outputs were watermarked with.")
    Path profileFile;

    @Option(names = "--keyset", required = true, paramLabel = "FILE",
            description = "The keyset holding the profile's key (passphrase from PROVMARK_KEYSET_PASSPHRASE or"
                    + " the terminal).")
    Path keysetFile;

    @Option(names = "--answers", paramLabel = "FILE",
            description = "The suspect model's answers, JSONL token ids (see above); - reads standard input.")
    Path answersFile;

    @Option(names = "--reading", paramLabel = "FILE",
            description = "Reading mode instead of --answers: JSONL of our watermarked texts with the suspect's"
                    + " teacher-forced top-1 predictions (format in docs/attribution.md); - reads standard input.")
    Path readingFile;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "The prompts sent to the suspect, JSONL (tokens, optional prompt_tokens); every"
                    + " tuple in them is excluded from scoring.")
    Path promptsFile;

    @Option(names = "--teacher-outputs", paramLabel = "FILE",
            description = "Our own released (watermarked) outputs, JSONL; with it only contexts seen at least"
                    + " --min-context-count times there are scored.")
    Path teacherFile;

    @Option(names = "--min-context-count", paramLabel = "C",
            description = "Context frequency threshold for --teacher-outputs (default 2 when that is given;"
                    + " 0 turns the filter off).")
    Integer minContextCount;

    @Option(names = "--reference", paramLabel = "FILE",
            description = "Answers of a clean reference model (JSONL), scored the same way as a control.")
    Path referenceFile;

    @Option(names = "--controls", paramLabel = "M", defaultValue = "20",
            description = "Number of fresh random keys for the empirical null (0: none). Default"
                    + " ${DEFAULT-VALUE}.")
    int controls;

    @Option(names = "--control-seed", paramLabel = "SEED",
            description = "Seed for the random control keys, for a reproducible report (default: secure"
                    + " random). Control keys are throwaway and never watermark anything.")
    Long controlSeed;

    @Option(names = "--all-keys",
            description = "Test every key of the keyset (one per account cohort), Holm-corrected; reports"
                    + " which cohorts' keys the suspect carries.")
    boolean allKeys;

    @Option(names = "--no-prompt-exclusion",
            description = "Also score tuples that occur in prompts (unsafe: a model that copies watermarked"
                    + " prompts then looks radioactive; for demonstrations only).")
    boolean noPromptExclusion;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "0.001",
            description = "Significance level for the verdicts. It never changes a p-value. Default"
                    + " ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "Output format: json (one JSON object, the default) or table (for people).")
    String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the JSON report to FILE (atomically) instead of standard output.")
    Path outFile;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    AttributeCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        if (!format.equals("json") && !format.equals("table")) {
            throw CliException.usage("--format must be json or table, got '" + format + "'");
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw CliException.usage("--alpha must be in (0, 1), got " + alpha);
        }
        if (controls < 0 || controls > 100_000) {
            throw CliException.usage("--controls must be in 0..100000, got " + controls);
        }
        if ((answersFile == null) == (readingFile == null)) {
            throw CliException.usage("give exactly one of --answers FILE (closed mode) or --reading FILE (reading mode)");
        }
        if (readingFile != null && (promptsFile != null || teacherFile != null || minContextCount != null
                || referenceFile != null)) {
            throw CliException.usage("--prompts, --teacher-outputs, --min-context-count and --reference apply to closed"
                    + " mode (--answers) only; in reading mode the text before each position is its prompt");
        }
        int minCount = minContextCount == null ? (teacherFile == null ? 0 : 2) : minContextCount;
        if (minCount < 0) {
            throw CliException.usage("--min-context-count must be >= 0, got " + minCount);
        }
        if (minCount > 0 && teacherFile == null) {
            throw CliException.usage("--min-context-count needs --teacher-outputs (our released outputs)");
        }
        String profileJson = Io.readUtf8(ctx, profileFile, "profile");
        if (CompatProfiles.isCompat(profileJson)) {
            throw CliException.badInput("profile " + profileFile + " is a compat profile; attribute needs a"
                    + " provmark profile (and its keyset)");
        }
        Profile profile = Profiles.read(ctx, profileFile);
        int vocab = profile.vocabSize();
        if (readingFile != null) {
            return reading(profile);
        }
        byte[] answersBytes = Io.readBytes(ctx, answersFile, "answers file");
        List<Answer> answers = toAnswers(TokenInput.parseJsonl(
                Io.decodeUtf8(answersBytes, "answers file " + answersFile), answersFile, vocab));
        List<int[]> prompts = new ArrayList<>();
        String promptsSha = null;
        if (promptsFile != null) {
            byte[] b = Io.readBytes(ctx, promptsFile, "prompts file");
            promptsSha = sha256(b);
            for (TokenInput in : TokenInput.parseJsonl(Io.decodeUtf8(b, "prompts file " + promptsFile), promptsFile,
                    vocab)) {
                prompts.add(in.tokens);
                if (in.prompt != null && in.prompt.length > 0) {
                    prompts.add(in.prompt);
                }
            }
        }
        List<Answer> teacher = null;
        String teacherSha = null;
        if (teacherFile != null) {
            byte[] b = Io.readBytes(ctx, teacherFile, "teacher outputs file");
            teacherSha = sha256(b);
            teacher = toAnswers(TokenInput.parseJsonl(Io.decodeUtf8(b, "teacher outputs file " + teacherFile),
                    teacherFile, vocab));
        }
        List<Answer> reference = null;
        String referenceSha = null;
        if (referenceFile != null) {
            byte[] b = Io.readBytes(ctx, referenceFile, "reference answers file");
            referenceSha = sha256(b);
            reference = toAnswers(TokenInput.parseJsonl(Io.decodeUtf8(b, "reference answers file " + referenceFile),
                    referenceFile, vocab));
        }
        List<WatermarkKey> keys = keys(profile);
        CorpusAttribution.Options options = new CorpusAttribution.Options(!noPromptExclusion, minCount, controls,
                controlSeed);
        CorpusAttribution.Report report;
        try {
            report = new CorpusAttribution(profile, options).run(keys, answers, prompts, teacher, reference, alpha);
        } catch (IllegalArgumentException e) {
            throw CliException.badInput(e.getMessage());
        }
        ObjectNode o = toJson(report, profile, "closed");
        ObjectNode inputs = o.putObject("inputs");
        inputs.put("answers_file_sha256", sha256(answersBytes));
        inputs.put("answers_canonical_sha256", report.answersSha256());
        putOrNull(inputs, "prompts_file_sha256", promptsSha);
        putOrNull(inputs, "teacher_outputs_file_sha256", teacherSha);
        putOrNull(inputs, "reference_file_sha256", referenceSha);
        inputs.put("num_prompt_identities", report.numPromptIdentities());
        inputs.put("num_frequent_contexts", report.numFrequentContexts());
        return emit(o, report);
    }

    /** Reading mode: --reading FILE, scored with {@link ReadingModeAttribution}. */
    private int reading(Profile profile) {
        byte[] bytes = Io.readBytes(ctx, readingFile, "reading file");
        ReadingInput in = ReadingInput.parse(Io.decodeUtf8(bytes, "reading file " + readingFile), readingFile,
                profile.vocabSize(), profile.tokenizer());
        List<WatermarkKey> keys = keys(profile);
        CorpusAttribution.Options options = new CorpusAttribution.Options(!noPromptExclusion, 0, controls, controlSeed);
        CorpusAttribution.Report report;
        try {
            report = new ReadingModeAttribution(profile, options).run(keys, in.texts, alpha);
        } catch (IllegalArgumentException e) {
            throw CliException.badInput(e.getMessage());
        }
        ObjectNode o = toJson(report, profile, "reading");
        ObjectNode rd = o.putObject("reading");
        long predicted = 0;
        for (ReadingModeAttribution.ReadingText t : in.texts) {
            for (int p : t.predicted()) {
                predicted += p >= 0 ? 1 : 0;
            }
        }
        rd.put("num_texts", in.texts.size());
        rd.put("num_positions_with_prediction", predicted);
        rd.put("num_context_excluded", report.numPromptIdentities());
        ObjectNode al = rd.putObject("alignment");
        al.put("num_predictions", in.stats.predictions());
        al.put("num_aligned", in.stats.aligned());
        al.put("num_unaligned", in.stats.unaligned());
        al.put("num_not_one_token", in.stats.notOneToken());
        ObjectNode inputs = o.putObject("inputs");
        inputs.put("reading_file_sha256", sha256(bytes));
        inputs.put("reading_canonical_sha256", report.answersSha256());
        return emit(o, report);
    }

    private List<WatermarkKey> keys(Profile profile) {
        Keyset keyset = Io.openKeyset(ctx, keysetFile);
        if (!keyset.contains(profile.keyId())) {
            throw CliException.key("profile/key mismatch: profile " + profileFile + " names key '"
                    + profile.keyId() + "' but keyset " + keysetFile + " holds "
                    + String.join(", ", KeysFingerprintCommand.ids(keyset))
                    + " (use the keyset the profile was made with)");
        }
        List<WatermarkKey> keys = new ArrayList<>();
        keys.add(keyset.key(profile.keyId()));
        if (allKeys) {
            for (WatermarkKey k : keyset.keys()) {
                if (!k.id().equals(profile.keyId())) {
                    keys.add(k);
                }
            }
        }
        return keys;
    }

    private int emit(ObjectNode o, CorpusAttribution.Report report) {
        String json;
        try {
            json = JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON output", e);
        }
        if (outFile != null) {
            Io.writeFile(outFile, (json + "\n").getBytes(StandardCharsets.UTF_8), force, "report");
        }
        if (format.equals("table")) {
            printTable(report);
        } else if (outFile == null) {
            ctx.out.println(json);
        }
        return ExitCodes.OK;
    }

    private static List<Answer> toAnswers(List<TokenInput> inputs) {
        List<Answer> out = new ArrayList<>(inputs.size());
        for (TokenInput in : inputs) {
            out.add(new Answer(String.valueOf(in.id), in.tokens, in.prompt));
        }
        return out;
    }

    private static boolean verdict(CorpusAttribution.Report r) {
        return !r.attributedKeys().isEmpty();
    }

    private ObjectNode toJson(CorpusAttribution.Report r, Profile profile, String mode) {
        return AttributionReportJson.of(r, profile, mode, allKeys);
    }

    private void printTable(CorpusAttribution.Report r) {
        CorpusAttribution.StreamResult m = r.main();
        boolean reading = readingFile != null;
        ctx.out.println((reading ? "reading mode: texts " : "answers ") + m.numAnswers() + ", tokens " + m.numTokens()
                + ", scored " + m.numScored() + " (one dedup tape, " + (reading ? "context" : "prompt") + " exclusion "
                + (r.options().excludePrompts() ? "on" : "OFF") + ")");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KEY", "SCORED", "STATISTIC", "P-VALUE", "LOG10 P", "HOLM P", "ATTRIBUTED"});
        for (CorpusAttribution.KeyResult k : r.perKey()) {
            CorpusAttribution.StreamResult s = k.result();
            rows.add(new String[] {s.keyId(), Long.toString(s.numScored()),
                String.format(Locale.ROOT, "%.4f", s.statistic()), DetectCommand.fmtP(s.pValue(), s.log10PValue()),
                DetectCommand.fmtLog(s.log10PValue()),
                DetectCommand.fmtP(LogP.toP(k.holmLnPValue()), k.holmLog10PValue()),
                k.attributed() ? "yes" : "no"});
        }
        Table.print(ctx.out, rows, new boolean[] {false, true, true, true, true, true, false});
        if (r.controls() != null) {
            ctx.out.println(String.format(Locale.ROOT,
                    "controls: %d random keys, KS D = %.4f (p = %.4f), empirical p = %.4f",
                    r.controls().m(), r.controls().ks().statistic(), r.controls().ks().pValue(),
                    r.controls().empiricalPValue()));
        }
        if (r.reference() != null) {
            for (CorpusAttribution.StreamResult s : r.reference()) {
                ctx.out.println("reference corpus under " + s.keyId() + ": p = "
                        + DetectCommand.fmtP(s.pValue(), s.log10PValue()));
            }
        }
        ctx.out.println("verdict: " + (verdict(r) ? "ATTRIBUTED (" + String.join(", ", r.attributedKeys()) + ")"
                : "not attributed") + " at alpha " + r.alpha());
    }

    private static void putOrNull(ObjectNode o, String field, String v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
