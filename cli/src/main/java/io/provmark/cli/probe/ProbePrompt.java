package io.provmark.cli.probe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One prompt to send: its id (a JSON string or integer, kept as given) and either a text or a chat
 * {@code messages} array.
 *
 * @param id       the prompt id as it appears in the prompts file
 * @param text     the prompt text, or null when {@code messages} is given
 * @param messages OpenAI chat messages (an array of {role, content}), or null when {@code text} is given
 */
public record ProbePrompt(JsonNode id, String text, JsonNode messages) {
    public ProbePrompt {
        Objects.requireNonNull(id, "id");
        if (!(id.isTextual() || id.isIntegralNumber())) {
            throw new IllegalArgumentException("prompt id must be a string or an integer, got " + id);
        }
        if ((text == null) == (messages == null)) {
            throw new IllegalArgumentException("a prompt has exactly one of text and messages");
        }
        if (messages != null && (!messages.isArray() || messages.isEmpty())) {
            throw new IllegalArgumentException("messages must be a non-empty array");
        }
    }

    /** The id's matching key (see {@link ProbeJournal#idKey}). */
    public String key() {
        return ProbeJournal.idKey(id);
    }
}
