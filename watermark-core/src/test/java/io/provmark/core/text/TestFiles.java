package io.provmark.core.text;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;

/** Fetched test inputs (scripts/fetch-corpora.sh); tests skip, saying why, when they are absent. */
final class TestFiles {
    private TestFiles() {
    }

    static void assumeHfTokenizer(String name) {
        boolean present = Files.isRegularFile(Tokenizers.tokenizerDir().resolve(name).resolve("tokenizer.json"));
        String why = "SKIPPED: hf:" + name + " not fetched; expected " + Tokenizers.tokenizerDir().resolve(name)
                + "/tokenizer.json. Run scripts/fetch-corpora.sh (CI does this before mvn verify).";
        if (!present) {
            // surefire shows a class skipped in @BeforeAll as "Tests run: 0": say why on the console
            System.err.println(why);
        }
        assumeTrue(present, why);
    }
}
