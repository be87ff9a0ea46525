package io.provmark.corpora.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.provmark.core.profile.RedGreenParams;
import io.provmark.core.profile.SynthIdParams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The config reader: the built-in default, --quick overrides, and a clear error for every kind of mistake. */
class EvalConfigTest {
    static String builtIn() throws IOException {
        try (InputStream in = EvalConfigTest.class.getResourceAsStream("/eval/default.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static final String MINIMAL = "{\"schemes\": [{\"scheme\": \"red-green\"}], \"attacks\": [{\"attack\": \"none\"}]";

    private static String fail(String json) {
        return assertThrows(EvalException.class, () -> EvalConfig.parse(json, "e.json", false)).getMessage();
    }

    @Test
    void builtInDefaultHasEveryAttackTypeAndThreeSchemes() throws IOException {
        EvalConfig c = EvalConfig.parse(builtIn(), "default.json", false);
        assertEquals(List.of("red-green", "gumbel", "synthid"), c.schemes().stream().map(EvalConfig.SchemeSpec::name).toList());
        assertEquals(Attacks.TYPES.keySet(), c.attacks().stream().map(EvalConfig.AttackSpec::type)
                .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)));
        assertEquals(200, c.prompts());
        assertEquals(200, c.maxTokens());
        assertEquals(50, c.topK());
        RedGreenParams rg = (RedGreenParams) c.schemes().get(0).params();
        assertEquals(0.25, rg.gamma());
        assertEquals(2.0, rg.delta());
        assertEquals(30, ((SynthIdParams) c.schemes().get(2).params()).depth());

        EvalConfig q = EvalConfig.parse(builtIn(), "default.json", true);
        assertEquals(6, q.prompts());
        assertEquals(60, q.maxTokens());
        assertEquals(c.attacks(), q.attacks());
        assertEquals(c.seed(), q.seed());
    }

    @Test
    void defaultsForOmittedKeys() {
        EvalConfig c = EvalConfig.parse(MINIMAL + "}", "m.json", false);
        assertEquals("cl100k_base", c.tokenizer());
        assertEquals(3, c.knOrder());
        assertEquals(List.of(25, 50, 100), c.lengths());
        assertTrue(Double.isNaN(c.attacks().get(0).param()));
    }

    @Test
    void mistakesAreNamed() {
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"blue\"}], \"attacks\": [{\"attack\": \"none\"}]}")
                .contains("schemes[0]: unknown scheme 'blue'; known: red-green, gumbel, synthid"));
        String m = fail("{\"schemes\": [{\"scheme\": \"gumbel\"}], \"attacks\": [{\"attack\": \"none\"}, {\"attack\": \"rot13\"}]}");
        assertTrue(m.contains("attacks[1]: unknown attack 'rot13'; known: none, delete"), m);
        assertTrue(fail(MINIMAL + ", \"promts\": 3}").contains("unknown key \"promts\""));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\", \"gama\": 0.5}], \"attacks\": [{\"attack\": \"none\"}]}")
                .contains("unknown key \"gama\""));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\"}], \"attacks\": [{\"attack\": \"delete\"}]}")
                .contains("attack 'delete' needs \"rate\""));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\"}], \"attacks\": [{\"attack\": \"delete\", \"rate\": 2}]}")
                .contains("rate must be in [0, 1], got 2.0"));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\", \"gamma\": 1.5}], \"attacks\": [{\"attack\": \"none\"}]}")
                .contains("schemes[0]"));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\"}, {\"scheme\": \"red-green\"}], \"attacks\": [{\"attack\": \"none\"}]}")
                .contains("duplicate scheme name 'red-green'"));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\"}], \"attacks\": [{\"attack\": \"none\"}, {\"attack\": \"none\"}]}")
                .contains("duplicate attack 'none'"));
        assertTrue(fail(MINIMAL + ", \"prompts\": 0}").contains("\"prompts\" must be an integer in 1..100000, got 0"));
        assertTrue(fail(MINIMAL + ", \"human_brown\": 0, \"human_kjv\": 0}").contains("human null set is empty"));
        assertTrue(fail(MINIMAL + ", \"lengths\": []}").contains("lengths must be a non-empty array"));
        assertTrue(fail("{\"schemes\": [], \"attacks\": [{\"attack\": \"none\"}]}").contains("schemes must be a non-empty array"));
        assertTrue(fail("{\"schemes\": [{\"scheme\": \"red-green\"}]").contains("is not valid JSON"));
        assertTrue(fail("[1, 2]").contains("must be a JSON object"));
        String q = assertThrows(EvalException.class, () -> EvalConfig.parse(MINIMAL + "}", "m.json", true)).getMessage();
        assertTrue(q.contains("--quick needs a \"quick\" object"), q);
    }
}
