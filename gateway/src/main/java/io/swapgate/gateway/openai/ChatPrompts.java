package io.swapgate.gateway.openai;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.swapgate.core.model.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns chat messages into the prompt text: with the model's own Jinja chat template when its files ship one (as
 * Hugging Face's {@code apply_chat_template} does, generation prompt added), else with a plain template for base
 * models: the system message as a preamble, one "User:" / "Assistant:" line per turn, and "Assistant:" to continue.
 */
final class ChatPrompts {

    record Message(String role, String content) {}

    private final ChatTemplate template;
    private final Jinjava jinja;

    ChatPrompts(ChatTemplate template) {
        this.template = template;
        // Hugging Face renders chat templates with trim_blocks and lstrip_blocks on.
        this.jinja = template == null
                ? null
                : new Jinjava(JinjavaConfig.newBuilder()
                        .withTrimBlocks(true)
                        .withLstripBlocks(true)
                        .build());
        if (jinja != null) {
            // Templates call raise_exception to refuse conversations they cannot format.
            jinja.getGlobalContext()
                    .registerFunction(new ELFunctionDefinition(
                            "", "raise_exception", ChatPrompts.class, "raiseException", String.class));
        }
    }

    String render(List<Message> messages) {
        return template == null ? plain(messages) : jinja(messages);
    }

    private String jinja(List<Message> messages) {
        List<Map<String, Object>> turns = new ArrayList<>();
        messages.forEach(m -> turns.add(Map.of("role", m.role(), "content", m.content())));
        RenderResult result = jinja.renderForResult(
                template.source(),
                Map.of(
                        "messages",
                        turns,
                        "add_generation_prompt",
                        true,
                        "bos_token",
                        template.bosToken(),
                        "eos_token",
                        template.eosToken()));
        if (!result.getErrors().isEmpty()) {
            throw OpenAiException.invalid(
                    "the model's chat template cannot format these messages: "
                            + result.getErrors().stream()
                                    .map(ChatPrompts::reason)
                                    .collect(Collectors.joining("; ")),
                    "messages");
        }
        String prompt = result.getOutput();
        // The tokenizer adds BOS itself; a template's own BOS would make it twice.
        return !template.bosToken().isEmpty() && prompt.startsWith(template.bosToken())
                ? prompt.substring(template.bosToken().length())
                : prompt;
    }

    private static String plain(List<Message> messages) {
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

    /** The innermost message of a template error: raise_exception's own text rather than Jinjava's wrapper. */
    private static String reason(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause != null && cause.getMessage() != null ? cause.getMessage() : error.getMessage();
    }

    /** The {@code raise_exception} of Hugging Face chat templates. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }
}
