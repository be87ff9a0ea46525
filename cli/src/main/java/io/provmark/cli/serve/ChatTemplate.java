package io.provmark.cli.serve;

import java.util.List;
import java.util.Locale;

/**
 * How chat messages become one prompt for a plain next-token model. Each message is written as
 * {@code "<Role>: <content>\n\n"} (Role = System, User or Assistant; {@code developer} counts as System), then
 * {@code "Assistant:"} is appended: the model continues after it. Documented in {@code docs/probe.md}.
 */
public final class ChatTemplate {
    private ChatTemplate() {
    }

    /** One chat message. */
    public record Message(String role, String content) {
        public Message {
            if (role == null || !List.of("system", "developer", "user", "assistant").contains(role)) {
                throw new IllegalArgumentException("message role must be one of system, developer, user, assistant, got "
                        + (role == null ? "nothing" : "'" + role + "'"));
            }
            if (content == null) {
                throw new IllegalArgumentException("message content must be a string");
            }
        }
    }

    /** The prompt text for {@code messages}. */
    public static String render(List<Message> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            String role = m.role().equals("developer") ? "system" : m.role();
            sb.append(role.substring(0, 1).toUpperCase(Locale.ROOT)).append(role.substring(1)).append(": ")
                    .append(m.content()).append("\n\n");
        }
        return sb.append("Assistant:").toString();
    }
}
