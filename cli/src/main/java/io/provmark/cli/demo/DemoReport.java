package io.provmark.cli.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** Prints the demo's verdicts for people: one block per student, then where the evidence lies. */
public final class DemoReport {
    private DemoReport() {
    }

    public static void print(PrintStream out, DistillationDemo.Outcome o, DistillationDemo.Sizes sizes) {
        out.println();
        out.println("Verdicts (alpha " + sizes.alpha() + " per cohort key after Holm over " + o.allKeys().size()
                + " keys; the distiller used the accounts of " + String.join(", ", o.fedKeys()) + "):");
        student(out, o.distilled(), o.outDir());
        student(out, o.clean(), o.outDir());
        out.println();
        out.println("Evidence in " + o.outDir() + ":");
        out.println("  SHA256SUMS                 SHA-256 of every file below (sha256sum -c SHA256SUMS)");
        out.println("  demo-summary.json          these verdicts, sizes and seed");
        out.println("  profile.json, keyset.pmk   the public profile and the encrypted cohort keys");
        out.println("  accounts.jsonl             account -> cohort key (API keys only as SHA-256)");
        out.println("  harvest/*.jsonl            the distiller's probe records (teacher answers)");
        out.println("  models/*.bin               teacher and students (re-serve with provmark serve-model)");
        out.println("  evidence/prompts*.jsonl    our probe prompts (text and token ids)");
        out.println("Re-run the test on the evidence with the CLI:");
        out.println("  PROVMARK_KEYSET_PASSPHRASE=\"$(cat " + o.outDir().resolve("keyset.passphrase")
                + ")\" provmark attribute \\");
        out.println("    --profile " + o.outDir().resolve("profile.json") + " --keyset "
                + o.outDir().resolve("keyset.pmk") + " --all-keys \\");
        out.println("    --answers " + o.distilled().answers() + " --prompts "
                + o.outDir().resolve("evidence").resolve("prompts-tokens.jsonl") + " --format table");
        out.println();
        if (o.asExpected()) {
            out.println("As expected: the distilled student carries exactly the fed cohorts' keys; the clean"
                    + " student is not accused.");
        } else {
            out.println("NOT as expected: " + o.problem());
        }
        out.flush();
    }

    private static void student(PrintStream out, DistillationDemo.StudentVerdict v, Path dir) {
        out.println();
        out.printf(Locale.ROOT, "  %s: Kneser-Ney order %d, %d training tokens, %.1f%% from the teacher%n", v.name(),
                v.order(), v.trainingTokens(), 100 * v.rho());
        if (v.attributed()) {
            out.println("    ATTRIBUTED to cohorts " + String.join(", ", v.attributedKeys()));
        } else {
            out.println("    not attributed (no cohort key significant)");
        }
        out.printf(Locale.ROOT, "    strongest key: p = %s (log10 p = %.1f) over %d scored tuples%n",
                fmtP(v.pValue(), v.log10PValue()), v.log10PValue(), v.numScored());
        out.printf(Locale.ROOT, "    controls: %d random keys, smallest p %.3g, KS uniformity p %.3g,"
                + " empirical p of the first key %.3g%n", v.controls(), v.controlsMinP(), v.ksPValue(),
                v.empiricalPValue());
        out.println("    probe records: " + v.probeRecords());
        out.println("    answers (token ids): " + v.answers());
        out.println("    attribution: " + v.attribution());
    }

    /** p in plain or scientific notation; below double range from log10 p. */
    static String fmtP(double p, double log10p) {
        if (p > 0 && p >= 1e-4) {
            return String.format(Locale.ROOT, "%.4f", p);
        }
        if (p > 0) {
            return String.format(Locale.ROOT, "%.2e", p);
        }
        double e = Math.floor(log10p);
        return String.format(Locale.ROOT, "%.2fe%d", Math.pow(10, log10p - e), (long) e);
    }
}
