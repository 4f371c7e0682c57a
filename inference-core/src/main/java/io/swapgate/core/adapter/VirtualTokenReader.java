package io.swapgate.core.adapter;

import io.swapgate.core.model.LlamaConfig;

/** Builds prompt-tuning and prefix-tuning adapters: both are one {@code prompt_embeddings} tensor of n rows. */
final class VirtualTokenReader {

    static final String TENSOR = "prompt_embeddings";

    private VirtualTokenReader() {}

    static PromptAdapter readPrompt(PeftAdapterReader.PeftContext c, AdapterIdentity identity) {
        if (c.config().path("num_transformer_submodules").asInt(1) != 1) {
            throw c.configProblem("num_transformer_submodules must be 1 for a decoder-only base model");
        }
        return new PromptAdapter(
                identity, c.onlyTensor(TENSOR, virtualTokens(c), c.base().dim()));
    }

    static PrefixAdapter readPrefix(PeftAdapterReader.PeftContext c, AdapterIdentity identity) {
        LlamaConfig base = c.base();
        int n = virtualTokens(c);
        return new PrefixAdapter(
                identity, c.onlyTensor(TENSOR, n, base.layers() * 2 * base.kvDim()), base.layers(), base.kvDim());
    }

    private static int virtualTokens(PeftAdapterReader.PeftContext c) {
        int n = c.positiveInt("num_virtual_tokens");
        if (n > c.limits().maxVirtualTokens()) {
            throw c.configProblem("num_virtual_tokens " + n + " exceeds this server's limit of "
                    + c.limits().maxVirtualTokens());
        }
        return n;
    }
}
