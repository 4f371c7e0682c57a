package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;

/** Prompt tuning: learned virtual-token embeddings [n, dim] fed before the prompt's own tokens. */
public record PromptAdapter(AdapterIdentity identity, FloatTensor embeddings) implements Adapter {

    public int virtualTokens() {
        return embeddings.shape()[0];
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.PROMPT;
    }

    @Override
    public long bytes() {
        return 4L * embeddings.data().length;
    }
}
