package io.provmark.corpora.human;

import java.util.Objects;

/**
 * One human-written document: a JSONL line {@code {"id", "source", "genre", "text"}}.
 *
 * @param id     unique, stable id, e.g. {@code brown/ca01/2} or {@code kjv/1_Samuel_3/0}
 * @param source corpus name: {@code brown}, {@code kjv}, or whatever a user file says
 * @param genre  Brown category (news, romance, ...), KJV book name, or empty
 * @param text   the text, NFC-normalised
 */
public record HumanDocument(String id, String source, String genre, String text) {
    public HumanDocument {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(genre, "genre");
        Objects.requireNonNull(text, "text");
    }
}
