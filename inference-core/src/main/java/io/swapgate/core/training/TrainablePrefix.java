package io.swapgate.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.PrefixAdapter;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.SplittableRandom;

/** Prefix tuning: per layer, n learned keys and n learned values [n, kvDim] that every query attends to first. */
final class TrainablePrefix implements Trainable, SequenceHooks {

    private final ParameterSet parameters;
    private final NDArray[][] entries; // [layer][key, value]
    private final int virtualTokens;
    private final int kvDim;

    private TrainablePrefix(Device device, int layers, int virtualTokens, int kvDim) {
        this.parameters = new ParameterSet(device);
        this.entries = new NDArray[layers][2];
        this.virtualTokens = virtualTokens;
        this.kvDim = kvDim;
    }

    /** Small random keys (near-uniform attention to the prefix at first) and zero values. */
    static TrainablePrefix fresh(Device device, LlamaConfig base, int virtualTokens, SplittableRandom random) {
        TrainablePrefix prefix = new TrainablePrefix(device, base.layers(), virtualTokens, base.kvDim());
        for (int l = 0; l < base.layers(); l++) {
            float[] keys = new float[virtualTokens * base.kvDim()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = (float) ((random.nextDouble() * 2 - 1) * 0.1);
            }
            prefix.entries[l][0] = prefix.parameters.add(keys, virtualTokens, base.kvDim());
            prefix.entries[l][1] =
                    prefix.parameters.add(new float[virtualTokens * base.kvDim()], virtualTokens, base.kvDim());
        }
        return prefix;
    }

    static TrainablePrefix from(Device device, PrefixAdapter adapter) {
        TrainablePrefix prefix =
                new TrainablePrefix(device, adapter.layers(), adapter.virtualTokens(), adapter.kvDim());
        for (int l = 0; l < adapter.layers(); l++) {
            prefix.entries[l][0] =
                    prefix.parameters.add(adapter.cacheEntries(l, false), adapter.virtualTokens(), adapter.kvDim());
            prefix.entries[l][1] =
                    prefix.parameters.add(adapter.cacheEntries(l, true), adapter.virtualTokens(), adapter.kvDim());
        }
        return prefix;
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    @Override
    public NDArray prefix(int layer, boolean value) {
        return entries[layer][value ? 1 : 0];
    }

    /** Packs the entries as PEFT does: [n, layers * 2 * kvDim], per position each layer's key then value. */
    @Override
    public Adapter export(AdapterIdentity identity) {
        int layers = entries.length;
        int rowWidth = layers * 2 * kvDim;
        float[] packed = new float[virtualTokens * rowWidth];
        for (int l = 0; l < layers; l++) {
            for (int kind = 0; kind < 2; kind++) {
                float[] values = ParameterSet.values(entries[l][kind]);
                for (int t = 0; t < virtualTokens; t++) {
                    System.arraycopy(values, t * kvDim, packed, t * rowWidth + (l * 2 + kind) * kvDim, kvDim);
                }
            }
        }
        FloatTensor keyValues = new FloatTensor("prompt_embeddings", new int[] {virtualTokens, rowWidth}, packed);
        return new PrefixAdapter(identity, keyValues, layers, kvDim);
    }
}
