package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.model.LlamaConfig;

/**
 * The base model over whole sequences at once, as training and evaluation need it (teacher forcing, no KV cache). It
 * uses the runtime's own weights, which never require gradients, so a backward pass reaches only the adapter arrays
 * the {@link SequenceHooks} supply. The layout is serving's: prefix-tuning entries take the first positions, then
 * prompt-tuning virtual tokens, then the tokens; a row's padding comes after its tokens, where causality hides it.
 * Runs on the thread that owns the runtime.
 */
public final class SequenceForward {

    private final LlamaRuntime runtime;

    public SequenceForward(LlamaRuntime runtime) {
        this.runtime = runtime;
    }

    public LlamaConfig config() {
        return runtime.config();
    }

    public ai.djl.Device device() {
        return runtime.options().device();
    }

    /** The base's embeddings of the given tokens, [ids.length * dim] row-major (float32). */
    public float[] embeddings(int[] ids) {
        try (NDManager scope = NDManager.newBaseManager(device())) {
            long[] wide = java.util.Arrays.stream(ids).asLongStream().toArray();
            return runtime.embed(scope, scope.create(wide))
                    .toType(DataType.FLOAT32, false)
                    .toFloatArray();
        }
    }

    /**
     * Final normalised hidden states [rows, width, dim] at the rows' token positions (virtual tokens dropped), width
     * being the longest row; shorter rows are padded with token 0.
     */
    public NDArray hidden(int[][] rows, SequenceHooks hooks, NDManager scope) {
        LlamaConfig config = runtime.config();
        DataType type = runtime.options().dataType();
        int width = 0;
        for (int[] row : rows) {
            width = Math.max(width, row.length);
        }
        runtime.useThreads();
        long[] ids = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < rows[r].length; t++) {
                ids[r * width + t] = rows[r][t];
            }
        }
        NDArray x = runtime.embed(scope, scope.create(ids)).reshape(rows.length, width, config.dim());
        NDArray virtual = hooks.virtualTokens();
        int virtualCount = virtual == null ? 0 : (int) virtual.getShape().get(0);
        if (virtualCount > 0) {
            NDArray shared = virtual.toType(type, false)
                    .expandDims(0)
                    .broadcast(new Shape(rows.length, virtualCount, config.dim()));
            x = NDArrays.concat(new NDList(shared, x), 1);
        }
        x = runtime.scaleEmbeddings(x);
        NDArray firstPrefix = hooks.prefix(0, false);
        int prefixCount = firstPrefix == null ? 0 : (int) firstPrefix.getShape().get(0);
        int length = virtualCount + width;
        NDArray[] global = runtime.rotaryAngles(scope, prefixCount, length, false);
        NDArray[] sliding = runtime.rotaryAngles(scope, prefixCount, length, true);
        NDArray causal = causalMask(scope, prefixCount, length, 0, type);
        int window = config.slidingWindow();
        NDArray windowed = window > 0 ? causalMask(scope, prefixCount, length, window, type) : causal;
        for (int l = 0; l < config.layers(); l++) {
            LlamaRuntime.Block block = runtime.block(l);
            boolean slides = config.slidingLayer(l);
            NDArray[] angles = slides ? sliding : global;
            NDArray mask = slides ? windowed : causal;
            NDArray[] qkv = runtime.queryKeyValue(runtime.rmsNorm(x, block.attentionNorm()), block, l, hooks.lora());
            NDArray q = runtime.rotatedHeads(
                    qkv[0], block.queryNorm(), rows.length, length, config.heads(), angles[0], angles[1]);
            NDArray k = runtime.rotatedHeads(
                    qkv[1], block.keyNorm(), rows.length, length, config.kvHeads(), angles[0], angles[1]);
            NDArray v = qkv[2].reshape(rows.length, length, config.kvHeads(), config.headDim());
            if (prefixCount > 0) {
                k = withPrefix(hooks.prefix(l, false), k, type);
                v = withPrefix(hooks.prefix(l, true), v, type);
            }
            x = runtime.residual(
                    x,
                    runtime.output(
                            runtime.attend(q, k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3), mask),
                            block,
                            l,
                            hooks.lora()),
                    block.postAttentionNorm());
            x = runtime.residual(
                    x,
                    runtime.feedForward(runtime.rmsNorm(x, block.ffnNorm()), block, l, hooks.lora()),
                    block.postFeedForwardNorm());
        }
        NDArray hidden = runtime.finalNorm(x);
        return virtualCount == 0 ? hidden : hidden.get(new NDIndex(":, {}:", virtualCount));
    }

    /** Logits (float32) of final hidden states [..., dim]. */
    public NDArray logits(NDArray hidden) {
        return runtime.classify(hidden);
    }

    /** Cache entries [n, kvDim] (keys already rotated) before a layer's own [rows, length, kvHeads, headDim]. */
    private NDArray withPrefix(NDArray entries, NDArray own, DataType type) {
        Shape shape = own.getShape();
        long n = entries.getShape().get(0);
        NDArray prefix = entries.toType(type, false)
                .reshape(1, n, shape.get(2), shape.get(3))
                .broadcast(new Shape(shape.get(0), n, shape.get(2), shape.get(3)));
        return NDArrays.concat(new NDList(prefix, own), 1);
    }

    /**
     * [1, 1, 1, length, prefix + length]: every query sees the prefix and the positions up to its own, and with a
     * sliding {@code window} (0: none) only keys less than a window behind it, as serving's {@link StepLayout}.
     */
    private static NDArray causalMask(NDManager scope, int prefix, int length, int window, DataType type) {
        int span = prefix + length;
        float[] mask = new float[length * span];
        for (int q = 0; q < length; q++) {
            int position = prefix + q;
            for (int k = 0; k < span; k++) {
                if (k > position || (window > 0 && position - k >= window)) {
                    mask[q * span + k] = -1e9f;
                }
            }
        }
        return scope.create(mask, new Shape(1, 1, 1, length, span)).toType(type, false);
    }
}
