package io.provmark.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JcsTest {
    @Test
    void numbersFollowEcmaScript() {
        // RFC 8785 appendix B and ECMA-262 Number::toString boundaries
        assertEquals("0", Jcs.number(0.0));
        assertEquals("0", Jcs.number(-0.0));
        assertEquals("5e-324", Jcs.number(Double.longBitsToDouble(1L)));
        assertEquals("1.7976931348623157e+308", Jcs.number(Double.MAX_VALUE));
        assertEquals("9007199254740992", Jcs.number(9007199254740992.0));
        assertEquals("9007199254740994", Jcs.number(9007199254740994.0));
        assertEquals("295147905179352830000", Jcs.number(295147905179352825856.0));
        assertEquals("1e+21", Jcs.number(1e21));
        assertEquals("100000000000000000000", Jcs.number(1e20));
        assertEquals("1e+23", Jcs.number(1e23));
        assertEquals("2e+23", Jcs.number(2e23));
        assertEquals("4.5", Jcs.number(4.50));
        assertEquals("0.002", Jcs.number(2e-3));
        assertEquals("0.000001", Jcs.number(1e-6));
        assertEquals("1e-7", Jcs.number(1e-7));
        assertEquals("1.5e-7", Jcs.number(1.5e-7));
        assertEquals("333333333.3333333", Jcs.number(333333333.33333329));
        assertEquals("-1.25", Jcs.number(-1.25));
        assertEquals("0.1", Jcs.number(0.1));
        assertEquals("0.30000000000000004", Jcs.number(0.1 + 0.2));
        assertEquals("123", Jcs.number(123.0));
        assertThrows(IllegalArgumentException.class, () -> Jcs.number(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Jcs.number(Double.POSITIVE_INFINITY));
    }

    @Test
    void keysSortByUtf16AndStringsEscapeMinimally() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("\u20ac", "Euro Sign");
        m.put("\r", "Carriage Return");
        m.put("\ufb33", "Hebrew Letter Dalet With Dagesh");
        m.put("1", "One");
        m.put("\ud83d\ude00", "Emoji: Grinning Face");
        m.put("\u0080", "Control");
        m.put("\u00f6", "Latin Small Letter O With Diaeresis");
        // RFC 8785 section 3.2.3 example: the expected key order
        String out = new String(Jcs.canonicalize(m), StandardCharsets.UTF_8);
        assertEquals("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\","
                + "\"\u20ac\":\"Euro Sign\",\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}", out);
        assertEquals("[\"a\\u001fb\\\"\\\\\\n/\",true,false,null,1,-2]",
                new String(Jcs.canonicalize(java.util.Arrays.asList("a\u001fb\"\\\n/", true, false, null, 1, -2L)),
                        StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> Jcs.canonicalize("\ud800"));
        assertThrows(IllegalArgumentException.class, () -> Jcs.canonicalize((1L << 53) + 1));
    }
}
