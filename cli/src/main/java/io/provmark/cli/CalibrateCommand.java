package io.provmark.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.calibration.Calibration;
import io.provmark.core.detect.Detector;
import io.provmark.core.detect.Evidence;
import io.provmark.core.key.Keyset;
import io.provmark.core.key.WatermarkKey;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.ProfileJson;
import io.provmark.core.scheme.Schemes;
import io.provmark.core.stats.LogP;
import io.provmark.core.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code provmark calibrate}: realised false-positive rates of a profile and key on human text. */
@Command(name = "calibrate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        header = "Measure the false-positive rate on human-written text.",
        description = {
            "Score every document of a human-written corpus with the profile and key, and "
                    + "report the realised false-positive rate (documents with p <= alpha) at "
                    + "alpha = 1e-2, 1e-3 and 1e-4, overall and by length (scored tokens: <50, "
                    + "50-99, 100-199, 200-399, >=400). Each rate has an exact Clopper-Pearson 99%% "
                    + "interval and the exact one-sided binomial p-value of 'FPR > alpha'; "
                    + "consistent is true when the interval's lower limit is at most alpha.",
            "",
            "The corpus is JSONL, one object per line, with id and either text (tokenized with "
                    + "the profile's tokenizer, NFC) or tokens (ids); other fields (source, genre) "
                    + "are ignored. The report names the key by fingerprint only, the profile, the "
                    + "corpus SHA-256, the document count and the date.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  provmark calibrate --profile p.json --keyset k.pmk --corpus human.jsonl",
            "  provmark calibrate --profile p.json --keyset k.pmk --corpus human.jsonl \\",
            "      --format table --out calibration.json"})
final class CalibrateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CliContext ctx;

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "The watermark profile (JSON).")
    Path profileFile;

    @Option(names = "--keyset", required = true, paramLabel = "FILE",
            description = "The keyset holding the profile's key (passphrase from PROVMARK_KEYSET_PASSPHRASE or"
                    + " the terminal).")
    Path keysetFile;

    @Option(names = "--corpus", required = true, paramLabel = "FILE",
            description = "Human-written documents, JSONL with id and text or tokens.")
    Path corpusFile;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "Standard output format: json (the report, the default) or table.")
    String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Also write the JSON report to FILE (atomically).")
    Path out;

    @Option(names = "--force", description = "Replace an existing --out file.")
    boolean force;

    CalibrateCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    /** One corpus or prompt line: id and tokens. */
    record Doc(Object id, int[] tokens) {
    }

    @Override
    public Integer call() {
        if (!format.equals("json") && !format.equals("table")) {
            throw CliException.usage("--format must be json or table, got '" + format + "'");
        }
        if (out != null && !force && java.nio.file.Files.exists(out)) {
            throw CliException.badInput("report " + out + " already exists; use --force to replace it");
        }
        Profile profile = Profiles.read(ctx, profileFile);
        byte[] corpusBytes = Io.readBytes(ctx, corpusFile, "corpus");
        String content = Io.decodeUtf8(corpusBytes, "corpus " + corpusFile);
        List<Doc> docs = readDocs(content, corpusFile, "corpus", profile, "text");
        Keyset keyset = Io.openKeyset(ctx, keysetFile);
        WatermarkKey key = requireKey(keyset, profile, profileFile, keysetFile);
        Detector detector = new Detector(Schemes.create(profile, key));

        List<Calibration.Sample> samples = new ArrayList<>(docs.size());
        long tokens = 0;
        for (Doc d : docs) {
            Evidence e = detector.detect(d.tokens(), new int[0], false);
            samples.add(new Calibration.Sample(e.numScored(), e.lnPValue()));
            tokens += d.tokens().length;
        }
        Calibration.Result res = Calibration.compute(samples);

        ObjectNode report = JSON.createObjectNode();
        report.put("report", "provmark-calibration-v1");
        report.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        report.put("key_id", key.id());
        report.put("key_fingerprint", key.fingerprint());
        try {
            report.set("profile", JSON.readTree(ProfileJson.write(profile)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot re-read the profile JSON", e);
        }
        ObjectNode corpus = report.putObject("corpus");
        corpus.put("file", corpusFile.getFileName() == null ? corpusFile.toString()
                : corpusFile.getFileName().toString());
        corpus.put("sha256", sha256(corpusBytes));
        corpus.put("documents", docs.size());
        corpus.put("tokens", tokens);
        report.put("confidence", res.confidence());
        report.put("consistent", res.overallConsistent());
        report.set("overall", rowJson(res.overall()));
        ArrayNode buckets = report.putArray("buckets");
        for (Calibration.Row r : res.buckets()) {
            buckets.add(rowJson(r));
        }
        String json;
        try {
            json = JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON output", e);
        }
        if (out != null) {
            Io.writeFile(out, json.getBytes(StandardCharsets.UTF_8), force, "report");
        }
        if (format.equals("json")) {
            ctx.out.print(json);
        } else {
            printTable(res, key, profile, docs.size(), sha256(corpusBytes));
        }
        return ExitCodes.OK;
    }

    static WatermarkKey requireKey(Keyset keyset, Profile profile, Path profileFile, Path keysetFile) {
        if (!keyset.contains(profile.keyId())) {
            throw CliException.key("profile/key mismatch: profile " + profileFile + " names key '"
                    + profile.keyId() + "' but keyset " + keysetFile + " holds "
                    + String.join(", ", KeysFingerprintCommand.ids(keyset)));
        }
        return keyset.key(profile.keyId());
    }

    private static ObjectNode rowJson(Calibration.Row r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("bucket", r.bucket());
        o.put("min_scored", r.minScored());
        if (r.maxScored() >= 0) {
            o.put("max_scored", r.maxScored());
        } else {
            o.putNull("max_scored");
        }
        o.put("documents", r.documents());
        ArrayNode levels = o.putArray("levels");
        for (Calibration.Level l : r.levels()) {
            ObjectNode x = levels.addObject();
            x.put("alpha", l.alpha());
            x.put("rejections", l.rejections());
            if (Double.isNaN(l.fpr())) {
                x.putNull("fpr");
            } else {
                x.put("fpr", l.fpr());
            }
            x.put("ci_lower", l.ciLower());
            x.put("ci_upper", l.ciUpper());
            x.put("p_exceeds", l.pExceeds());
            x.put("log10_p_exceeds", LogP.toLog10(l.lnPExceeds()));
            x.put("consistent", l.consistent());
        }
        return o;
    }

    private void printTable(Calibration.Result res, WatermarkKey key, Profile profile, int docs, String sha) {
        ctx.out.println("profile " + profile.scheme() + " (tokenizer " + profile.tokenizer() + "), key "
                + key.id() + " " + key.fingerprint());
        ctx.out.println("corpus " + corpusFile + " sha256:" + sha + ", " + docs + " documents");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"BUCKET", "DOCS", "ALPHA", "FP", "FPR", "99% CI", "P(FPR>A)", "OK"});
        List<Calibration.Row> all = new ArrayList<>();
        all.add(res.overall());
        all.addAll(res.buckets());
        for (Calibration.Row r : all) {
            for (Calibration.Level l : r.levels()) {
                rows.add(new String[] {r.bucket(), Long.toString(r.documents()), fmt(l.alpha()),
                    Long.toString(l.rejections()), Double.isNaN(l.fpr()) ? "-" : fmt(l.fpr()),
                    "[" + fmt(l.ciLower()) + ", " + fmt(l.ciUpper()) + "]", fmt(l.pExceeds()),
                    l.consistent() ? "yes" : "NO"});
            }
        }
        Table.print(ctx.out, rows, new boolean[] {false, true, true, true, true, false, true, false});
        ctx.out.println(res.overallConsistent() ? "overall: consistent with every alpha"
                : "overall: realised FPR above alpha at 99% confidence for some alpha");
    }

    private static String fmt(double x) {
        if (x == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3g", x);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The profile's tokenizer, with a clear error when it has none or it does not match the profile. */
    static TextTokenizer tokenizer(Profile profile, Path profileFile, String why) {
        // one rule for every command (pinned vocabulary hash, ids fit vocab_size): cli Tokenizers / core
        return Tokenizers.forProfile(null, profile, profileFile, why);
    }

    /**
     * Parses JSONL with {@code id} (string or integer; default the line number) and exactly one of
     * {@code text} or {@code tokens}. Extra fields are ignored (corpus files carry source, genre).
     */
    static List<Doc> readDocs(String content, Path file, String what, Profile profile, String textField) {
        List<Doc> docs = new ArrayList<>();
        TextTokenizer tok = null;
        for (JsonLines.Line l : JsonLines.objects(content, what + " " + file,
                "a JSON object with id and text or tokens")) {
            String where = l.where();
            JsonNode node = l.node();
            Object id;
            JsonNode idNode = node.get("id");
            if (idNode == null) {
                id = (long) l.number();
            } else if (idNode.isTextual()) {
                id = idNode.textValue();
            } else if (idNode.isIntegralNumber() && idNode.canConvertToLong()) {
                id = idNode.longValue();
            } else {
                throw CliException.badInput(where + ": \"id\" must be a string or an integer, got " + idNode);
            }
            JsonNode text = node.get(textField);
            JsonNode tokens = node.get("tokens");
            if ((text == null) == (tokens == null)) {
                throw CliException.badInput(where + ": need exactly one of \"" + textField + "\" and \"tokens\"");
            }
            int[] ids;
            if (tokens != null) {
                if (!tokens.isArray()) {
                    throw CliException.badInput(where + ": \"tokens\" must be an array of token ids");
                }
                ids = new int[tokens.size()];
                Iterator<JsonNode> it = tokens.elements();
                for (int k = 0; it.hasNext(); k++) {
                    JsonNode t = it.next();
                    if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0
                            || t.intValue() >= profile.vocabSize()) {
                        throw CliException.badInput(where + ": tokens[" + k + "] = " + t
                                + " is not a token id of the profile's vocabulary 0.." + (profile.vocabSize() - 1));
                    }
                    ids[k] = t.intValue();
                }
            } else {
                if (!text.isTextual()) {
                    throw CliException.badInput(where + ": \"" + textField + "\" must be a string");
                }
                if (tok == null) {
                    tok = tokenizer(profile, file, what + " lines with \"" + textField + "\" need a tokenizer");
                }
                ids = tok.encode(text.textValue());
            }
            docs.add(new Doc(id, ids));
        }
        if (docs.isEmpty()) {
            throw CliException.badInput(what + " " + file + " has no documents (expected one JSON object per line)");
        }
        return docs;
    }
}
