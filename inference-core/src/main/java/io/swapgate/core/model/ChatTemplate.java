package io.swapgate.core.model;

/**
 * A model's own chat template, as its files ship it: Jinja source (Hugging Face's {@code chat_template} in
 * {@code tokenizer_config.json}, GGUF's {@code tokenizer.chat_template}) and the special-token strings it may use.
 */
public record ChatTemplate(String source, String bosToken, String eosToken) {}
