package io.swapgate.gateway.openai;

import java.util.List;

/**
 * The prompt for a chat on a base model that has no chat template of its own: the system message as a preamble, then
 * one "User:" / "Assistant:" line per turn, ending with "Assistant:" for the model to continue.
 */
final class ChatTemplate {

    record Message(String role, String content) {}

    private ChatTemplate() {}

    static String render(List<Message> messages) {
        StringBuilder prompt = new StringBuilder();
        for (Message m : messages) {
            switch (m.role()) {
                case "system", "developer" -> prompt.append(m.content()).append("\n\n");
                case "user" -> prompt.append("User: ").append(m.content()).append('\n');
                default -> prompt.append("Assistant: ").append(m.content()).append('\n');
            }
        }
        return prompt.append("Assistant:").toString();
    }
}
