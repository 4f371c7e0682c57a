package io.swapgate.core.model;

import io.swapgate.core.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A base model read from disk: its config, weights and tokenizer.
 *
 * @param name a short name for logs and APIs (the file or folder name)
 * @param format which reader produced it
 * @param chatTemplate the model's own chat template, or null when its files have none
 */
public record LoadedModel(
        String name,
        Path source,
        String format,
        LlamaConfig config,
        LlamaWeights weights,
        Tokenizer tokenizer,
        ChatTemplate chatTemplate) {

    /** A model without a chat template of its own. */
    public LoadedModel(
            String name, Path source, String format, LlamaConfig config, LlamaWeights weights, Tokenizer tokenizer) {
        this(name, source, format, config, weights, tokenizer, null);
    }
}
