package io.swapgate.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.PromptAdapter;
import io.swapgate.core.runtime.SequenceHooks;

/** Prompt tuning: n virtual-token embeddings [n, dim] before every prompt. */
final class TrainablePrompt implements Trainable, SequenceHooks {

    private final ParameterSet parameters;
    private final NDArray embeddings;

    private TrainablePrompt(Device device, float[] values, int virtualTokens, int dim) {
        this.parameters = new ParameterSet(device);
        this.embeddings = parameters.add(values, virtualTokens, dim);
    }

    /** Starts from the embeddings of real vocabulary tokens (Lester et al. found that better than random vectors). */
    static TrainablePrompt fresh(Device device, float[] tokenEmbeddings, int virtualTokens, int dim) {
        return new TrainablePrompt(device, tokenEmbeddings, virtualTokens, dim);
    }

    static TrainablePrompt from(Device device, PromptAdapter adapter) {
        return new TrainablePrompt(
                device,
                adapter.embeddings().data().clone(),
                adapter.virtualTokens(),
                adapter.embeddings().shape()[1]);
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    @Override
    public NDArray virtualTokens() {
        return embeddings;
    }

    @Override
    public Adapter export(AdapterIdentity identity) {
        return new PromptAdapter(identity, ParameterSet.tensor("prompt_embeddings", embeddings));
    }
}
