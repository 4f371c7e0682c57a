package io.swapgate.gateway.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.model.ChatTemplate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Chat messages rendered with a model's own Jinja template (as Hugging Face does) or the plain base-model template. */
class ChatPromptsTest {

    /** The Zephyr / TinyLlama-Chat template as those models ship it in tokenizer_config.json. */
    private static final String ZEPHYR = """
            {% for message in messages %}
            {% if message['role'] == 'user' %}
            {{ '<|user|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'system' %}
            {{ '<|system|>\\n' + message['content'] + eos_token }}
            {% elif message['role'] == 'assistant' %}
            {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
            {% endif %}
            {% if loop.last and add_generation_prompt %}
            {{ '<|assistant|>' }}
            {% endif %}
            {% endfor %}""";

    /** A Llama-2-style template: BOS first, strict alternation enforced with raise_exception. */
    private static final String ALTERNATING = "{{ bos_token }}{% for message in messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% else %}{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}";

    /** Gemma's form: turns marked with start/end tokens, the assistant called "model", contents trimmed, no system. */
    private static final String GEMMA = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
            + "{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}"
            + "{% if message['role'] == 'assistant' %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
            + "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}";

    private static final List<ChatPrompts.Message> CHAT =
            List.of(new ChatPrompts.Message("system", "You are friendly."), new ChatPrompts.Message("user", "Hi"));

    @Test
    void aModelsJinjaTemplateRendersAsHuggingFaceDoes() {
        ChatPrompts zephyr = new ChatPrompts(new ChatTemplate(ZEPHYR, "<s>", "</s>"));
        assertEquals("<|system|>\nYou are friendly.</s>\n<|user|>\nHi</s>\n<|assistant|>\n", zephyr.render(CHAT));
    }

    @Test
    void aLeadingBosIsLeftToTheTokenizerAndRaiseExceptionRefusesTheMessages() {
        ChatPrompts llama = new ChatPrompts(new ChatTemplate(ALTERNATING, "<s>", "</s>"));
        assertEquals(
                "[INST] Hi [/INST] Hello</s>[INST] Again [/INST]",
                llama.render(List.of(
                        new ChatPrompts.Message("user", "Hi"),
                        new ChatPrompts.Message("assistant", "Hello"),
                        new ChatPrompts.Message("user", "Again"))));
        OpenAiException refused = assertThrows(
                OpenAiException.class, () -> llama.render(List.of(new ChatPrompts.Message("assistant", "x"))));
        assertEquals(400, refused.status);
        assertTrue(refused.getMessage().contains("Conversation roles must alternate"), refused.getMessage());
    }

    @Test
    void gemmasTemplateNamesTheAssistantModelAndTrimsEachTurn() {
        ChatPrompts gemma = new ChatPrompts(new ChatTemplate(GEMMA, "<bos>", "<eos>"));
        assertEquals(
                "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                        + "<start_of_turn>user\nAgain<end_of_turn>\n<start_of_turn>model\n",
                gemma.render(List.of(
                        new ChatPrompts.Message("user", " Hi "),
                        new ChatPrompts.Message("assistant", "Hello"),
                        new ChatPrompts.Message("user", "Again"))));
        OpenAiException refused = assertThrows(OpenAiException.class, () -> gemma.render(CHAT));
        assertTrue(refused.getMessage().contains("System role not supported"), refused.getMessage());
    }

    @Test
    void baseModelsWithoutATemplateGetThePlainOne() {
        assertEquals("You are friendly.\n\nUser: Hi\nAssistant:", new ChatPrompts(null).render(CHAT));
    }
}
