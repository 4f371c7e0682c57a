package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;

/**
 * Prefix tuning: per layer, n learned keys and values that occupy the first n positions of the sequence's
 * KV cache. {@code keyValues} is [n, layers * 2 * kvDim], read as [n, layers, (key, value), kvHeads, headDim];
 * keys are already rotated (they are cache entries, not inputs).
 */
public record PrefixAdapter(AdapterIdentity identity, FloatTensor keyValues, int layers, int kvDim) implements Adapter {

    public int virtualTokens() {
        return keyValues.shape()[0];
    }

    /** The prefix's keys ({@code value == false}) or values of one layer, as [n, kvDim] row-major. */
    public float[] cacheEntries(int layer, boolean value) {
        int n = virtualTokens();
        float[] out = new float[n * kvDim];
        int rowWidth = layers * 2 * kvDim;
        int offset = (layer * 2 + (value ? 1 : 0)) * kvDim;
        for (int t = 0; t < n; t++) {
            System.arraycopy(keyValues.data(), t * rowWidth + offset, out, t * kvDim, kvDim);
        }
        return out;
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.PREFIX;
    }

    @Override
    public long bytes() {
        return 4L * keyValues.data().length;
    }
}
