package io.provmark.cli;

import io.provmark.core.profile.GumbelParams;
import io.provmark.core.profile.Profile;
import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SchemeParams;
import io.provmark.core.profile.SynthIdParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code provmark profile show}: validates a profile and prints it readably. */
@Command(name = "show",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Validate a profile and print it readably.",
        description = {
            "Validate a profile file strictly (unknown, missing or out-of-range fields are errors "
                    + "naming the field) and print its parameters in readable form.",
            ""},
        footerHeading = "%nExample:%n",
        footer = {"  provmark profile show profile.json"})
final class ProfileShowCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Parameters(index = "0", paramLabel = "FILE", description = "The profile (JSON) to show; - reads standard input.")
    Path file;

    ProfileShowCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        Profile p = Profiles.read(ctx, file);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"file", file.toString()});
        rows.add(new String[] {"format", Profile.FORMAT});
        rows.add(new String[] {"scheme", p.scheme()});
        SchemeParams sp = p.params();
        if (sp instanceof RedGreenParams) {
            RedGreenParams rg = (RedGreenParams) sp;
            rows.add(new String[] {"  gamma", num(rg.gamma()) + "  (green-list fraction)"});
            rows.add(new String[] {"  delta", num(rg.delta()) + "  (logit bias on green tokens)"});
            rows.add(new String[] {"  seeding", rg.seeding().wire()});
        } else if (sp instanceof GumbelParams) {
            rows.add(new String[] {"  repeated context window", window(((GumbelParams) sp).repeatedContextWindow())});
        } else if (sp instanceof SynthIdParams) {
            SynthIdParams s = (SynthIdParams) sp;
            rows.add(new String[] {"  depth", Integer.toString(s.depth()) + "  (tournament layers)"});
            rows.add(new String[] {"  weights", s.weights().toString()});
            rows.add(new String[] {"  score", s.score().wire()});
            rows.add(new String[] {"  repeated context window", window(s.repeatedContextWindow())});
        }
        rows.add(new String[] {"prf", p.prf()});
        rows.add(new String[] {"context width", p.contextWidth() + "  (preceding tokens seeding the PRF)"});
        rows.add(new String[] {"tokenizer", p.tokenizer()});
        rows.add(new String[] {"tokenizer sha256", p.tokenizerSha256() == null ? "not pinned" : p.tokenizerSha256()});
        rows.add(new String[] {"vocab size", Integer.toString(p.vocabSize())});
        rows.add(new String[] {"key id", p.keyId()});
        rows.add(new String[] {"dedup", p.dedup().wire()});
        rows.add(new String[] {"score partial context", Boolean.toString(p.scorePartialContext())});
        rows.add(new String[] {"eos token id", p.eosTokenId() < 0 ? "none" : Integer.toString(p.eosTokenId())});
        int w = 0;
        for (String[] r : rows) {
            w = Math.max(w, r[0].length());
        }
        for (String[] r : rows) {
            ctx.out.println(r[0] + " ".repeat(w - r[0].length() + 2) + r[1]);
        }
        ctx.out.println("valid: yes");
        return ExitCodes.OK;
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(java.util.Locale.ROOT, "%.1f", v)
                : Double.toString(v);
    }

    private static String window(int w) {
        return w < 0 ? "off" : w == 0 ? "0 (whole sequence)" : Integer.toString(w);
    }
}
