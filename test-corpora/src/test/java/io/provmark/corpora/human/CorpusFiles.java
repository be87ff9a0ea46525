package io.provmark.corpora.human;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Fetched corpora (scripts/fetch-corpora.sh); tests skip, saying why on the console too, when they are absent. */
final class CorpusFiles {
    private CorpusFiles() {
    }

    static void assumeFetched() {
        boolean present = HumanCorpora.available();
        String why = "SKIPPED: corpora not fetched under " + HumanCorpora.dataDir()
                + "; run scripts/fetch-corpora.sh (CI does this before mvn verify)";
        if (!present) {
            System.err.println(why);
        }
        assumeTrue(present, why);
    }
}
