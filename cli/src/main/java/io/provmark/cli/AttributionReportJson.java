package io.provmark.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provmark.core.attribution.CorpusAttribution;
import io.provmark.core.profile.Profile;
import io.provmark.core.stats.LogP;

/** The JSON of an attribution report, shared by {@code provmark attribute} and {@code provmark demo}. */
public final class AttributionReportJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AttributionReportJson() {
    }

    /**
     * The report as JSON (field names in docs/attribution.md).
     *
     * @param mode    "closed" or "reading"
     * @param allKeys whether every key of the keyset was tested (recorded in parameters)
     */
    public static ObjectNode of(CorpusAttribution.Report r, Profile profile, String mode, boolean allKeys) {
        CorpusAttribution.StreamResult m = r.main();
        ObjectNode o = JSON.createObjectNode();
        o.put("mode", mode);
        o.put("key_id", m.keyId());
        o.put("num_answers", m.numAnswers());
        o.put("num_tokens", m.numTokens());
        o.put("num_scored", m.numScored());
        o.put("num_filtered", m.numFiltered());
        o.put("statistic_name", m.statisticName());
        num(o, "statistic", m.statistic());
        num(o, "p_value", m.pValue());
        num(o, "log10_p_value", m.log10PValue());
        num(o, "z", m.z());
        o.put("exact", m.exact());
        o.put("verdict", !r.attributedKeys().isEmpty() ? "attributed" : "not attributed");
        ArrayNode curve = o.putArray("curve");
        for (CorpusAttribution.CurvePoint c : m.curve()) {
            ObjectNode p = curve.addObject();
            p.put("answers", c.answers());
            p.put("num_scored", c.numScored());
            num(p, "log10_p_value", c.log10PValue());
        }
        ObjectNode controls = o.putObject("controls");
        if (r.controls() != null) {
            CorpusAttribution.Controls c = r.controls();
            ObjectNode rk = controls.putObject("random_keys");
            rk.put("m", c.m());
            ArrayNode ps = rk.putArray("p_values");
            for (double p : c.pValues()) {
                ps.add(p);
            }
            num(rk, "ks_statistic", c.ks().statistic());
            num(rk, "ks_p_value", c.ks().pValue());
            rk.put("ks_exact", c.ks().exact());
            num(rk, "empirical_p_value", c.empiricalPValue());
        } else {
            controls.putNull("random_keys");
        }
        if (r.reference() != null) {
            ArrayNode ref = controls.putArray("reference");
            for (CorpusAttribution.StreamResult s : r.reference()) {
                ref.add(stream(s));
            }
        } else {
            controls.putNull("reference");
        }
        ArrayNode per = o.putArray("per_key");
        for (CorpusAttribution.KeyResult k : r.perKey()) {
            ObjectNode e = stream(k.result());
            num(e, "holm_p_value", LogP.toP(k.holmLnPValue()));
            num(e, "holm_log10_p_value", k.holmLog10PValue());
            e.put("attributed", k.attributed());
            per.add(e);
        }
        ArrayNode att = o.putArray("attributed_keys");
        r.attributedKeys().forEach(att::add);
        ObjectNode params = o.putObject("parameters");
        params.put("scheme", profile.scheme());
        params.put("context_width", profile.contextWidth());
        params.put("dedup", profile.dedup().wire());
        params.put("dedup_scope", "corpus");
        params.put("mode", mode);
        params.put("prompt_exclusion", r.options().excludePrompts());
        params.put("min_context_count", r.options().minContextCount());
        params.put("controls", r.options().controls());
        if (r.options().controlSeed() != null) {
            params.put("control_seed", r.options().controlSeed());
        } else {
            params.putNull("control_seed");
        }
        params.put("alpha", r.alpha());
        params.put("all_keys", allKeys);
        params.put("multiple_testing", "holm");
        return o;
    }

    private static ObjectNode stream(CorpusAttribution.StreamResult s) {
        ObjectNode e = JSON.createObjectNode();
        e.put("key_id", s.keyId());
        e.put("num_answers", s.numAnswers());
        e.put("num_scored", s.numScored());
        num(e, "statistic", s.statistic());
        num(e, "p_value", s.pValue());
        num(e, "log10_p_value", s.log10PValue());
        return e;
    }

    private static void num(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v == 0.0 ? 0.0 : v);
        } else {
            o.putNull(field);
        }
    }
}
