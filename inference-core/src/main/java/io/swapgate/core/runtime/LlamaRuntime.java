package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen base model on a DJL device and its batched forward pass (Llama: RMSNorm, RoPE,
 * grouped-query attention, SwiGLU). Weights are uploaded once; every forward step works inside its own
 * NDManager scope, so nothing but the KV cache outlives a step. Not thread-safe: one engine thread owns it.
 */
public final class LlamaRuntime implements AutoCloseable {

    private final LlamaConfig config;
    private final RuntimeOptions options;
    private final NDManager manager;
    private final NDArray embedding;
    private final List<Block> blocks;
    private final NDArray finalNorm;
    private final NDArray classifierT;
    private final NDArray ropeCos;
    private final NDArray ropeSin;
    private final int maxPositions;
    private final Slices slices;

    /** One transformer block's weights, projections fused and pre-transposed to [in, out] for x @ W. */
    private record Block(NDArray attentionNorm, NDArray qkvT, NDArray outputT, NDArray ffnNorm, NDArray gateUpT, NDArray downT) {}

    /** Index expressions reused every step. */
    private record Slices(NDIndex query, NDIndex key, NDIndex value, NDIndex gate, NDIndex up, NDIndex firstHalf, NDIndex secondHalf) {}

    public LlamaRuntime(LlamaConfig config, LlamaWeights weights, RuntimeOptions options, int maxPositions) {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch before any direct JNI call
        if (options.threads() > 0) {
            JniUtils.setNumThreads(options.threads());
        }
        this.config = config;
        this.options = options;
        this.maxPositions = maxPositions;
        this.manager = NDManager.newBaseManager(options.device());
        this.embedding = upload(weights.embedding());
        this.blocks = new ArrayList<>();
        for (LayerWeights layer : weights.layers()) {
            blocks.add(new Block(
                    upload(layer.attentionNorm()),
                    concatRows(layer.query(), layer.key(), layer.value()).transpose(),
                    upload(layer.output()).transpose(),
                    upload(layer.ffnNorm()),
                    concatRows(layer.gate(), layer.up()).transpose(),
                    upload(layer.down()).transpose()));
        }
        this.finalNorm = upload(weights.finalNorm());
        this.classifierT = upload(weights.classifier()).transpose();
        RotaryTables rope = new RotaryTables(config, maxPositions);
        Shape ropeShape = new Shape(maxPositions, config.headDim() / 2);
        this.ropeCos = manager.create(rope.cos, ropeShape).toType(options.dataType(), false);
        this.ropeSin = manager.create(rope.sin, ropeShape).toType(options.dataType(), false);
        int d = config.dim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        int half = config.headDim() / 2;
        this.slices = new Slices(
                new NDIndex("..., :{}", d), new NDIndex("..., {}:{}", d, d + kv), new NDIndex("..., {}:", d + kv),
                new NDIndex("..., :{}", h), new NDIndex("..., {}:", h),
                new NDIndex("..., :{}", half), new NDIndex("..., {}:", half));
    }

    public LlamaConfig config() {
        return config;
    }

    public RuntimeOptions options() {
        return options;
    }

    /** A KV cache for {@code slots} concurrent sequences of up to {@code maxLength} positions each. */
    public KvCache newKvCache(int slots, int maxLength) {
        if (maxLength > maxPositions) {
            throw new IllegalArgumentException("cache length " + maxLength + " exceeds the runtime's " + maxPositions + " positions");
        }
        return new KvCache(manager, config.layers(), slots, maxLength, config.kvDim(), options.dataType());
    }

    /** Runs one step and returns, per row, the logits after its last token. */
    public float[][] forward(ForwardBatch batch, KvCache cache) {
        try (NDManager step = manager.newSubManager()) {
            StepLayout layout = StepLayout.of(batch, cache.maxLength(), step, options.dataType());
            int rows = batch.size();
            int width = batch.longestRow();
            NDArray x = embedding.get(step, new NDIndex("{}", layout.tokens)).reshape(rows, width, config.dim());
            NDArray cos = ropeCos.get(step, new NDIndex("{}", layout.positions)).reshape(rows, width, 1, -1);
            NDArray sin = ropeSin.get(step, new NDIndex("{}", layout.positions)).reshape(rows, width, 1, -1);
            for (int l = 0; l < blocks.size(); l++) {
                Block block = blocks.get(l);
                x = x.add(attention(rmsNorm(x, block.attentionNorm), block, l, cache, layout, cos, sin, step));
                x = x.add(feedForward(rmsNorm(x, block.ffnNorm), block));
            }
            NDArray last = x.reshape(rows * width, config.dim()).get(new NDIndex("{}", layout.lastTokens));
            NDArray logits = rmsNorm(last, finalNorm).matMul(classifierT).toType(DataType.FLOAT32, false);
            float[] flat = logits.toFloatArray();
            float[][] out = new float[rows][];
            int vocab = config.vocabSize();
            for (int r = 0; r < rows; r++) {
                out[r] = java.util.Arrays.copyOfRange(flat, r * vocab, (r + 1) * vocab);
            }
            return out;
        }
    }

    private NDArray attention(NDArray h, Block block, int layer, KvCache cache, StepLayout layout,
                              NDArray cos, NDArray sin, NDManager step) {
        int rows = layout.rows;
        int width = layout.width;
        int headDim = config.headDim();
        int kvHeads = config.kvHeads();
        int group = config.queriesPerKvHead();
        NDArray qkv = h.matMul(block.qkvT);
        NDArray q = rotate(qkv.get(slices.query).reshape(rows, width, config.heads(), headDim), cos, sin);
        NDArray k = rotate(qkv.get(slices.key).reshape(rows, width, kvHeads, headDim), cos, sin);
        NDArray v = qkv.get(slices.value);

        // Append this step's keys and values to each row's slot, then attend over the slot's whole history.
        NDIndex target = new NDIndex("{}, {}", layout.writeSlots, layout.writePositions);
        NDIndex written = new NDIndex("{}", layout.writeRows);
        cache.keys(layer).set(target, k.reshape(rows * width, config.kvDim()).get(written));
        cache.values(layer).set(target, v.reshape(rows * width, config.kvDim()).get(written));
        NDIndex history = new NDIndex("{}, :{}", layout.slots, layout.span);
        NDArray keys = cache.keys(layer).get(step, history).reshape(rows, layout.span, kvHeads, headDim).transpose(0, 2, 3, 1);
        NDArray values = cache.values(layer).get(step, history).reshape(rows, layout.span, kvHeads, headDim).transpose(0, 2, 1, 3);

        // Query heads that share a KV head are stacked along the query axis: [rows, kvHeads, group * width, headDim].
        NDArray grouped = q.transpose(0, 2, 1, 3).reshape(rows, kvHeads, group * width, headDim);
        NDArray scores = grouped.matMul(keys).mul(1.0 / Math.sqrt(headDim))
                .reshape(rows, kvHeads, group, width, layout.span)
                .add(layout.mask);
        NDArray mixed = scores.softmax(-1).reshape(rows, kvHeads, group * width, layout.span).matMul(values);
        NDArray merged = mixed.reshape(rows, config.heads(), width, headDim).transpose(0, 2, 1, 3).reshape(rows, width, config.dim());
        return merged.matMul(block.outputT);
    }

    private NDArray feedForward(NDArray h, Block block) {
        NDArray gateUp = h.matMul(block.gateUpT);
        NDArray gate = gateUp.get(slices.gate);
        NDArray silu = gate.mul(gate.getNDArrayInternal().sigmoid());
        return silu.mul(gateUp.get(slices.up)).matMul(block.downT);
    }

    /** RoPE in the "rotate half" form: (a, b) -> (a cos - b sin, b cos + a sin) over the two halves of each head. */
    private NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDArray a = x.get(slices.firstHalf);
        NDArray b = x.get(slices.secondHalf);
        return NDArrays.concat(new NDList(a.mul(cos).sub(b.mul(sin)), b.mul(cos).add(a.mul(sin))), -1);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.mul(meanSquare.add(config.normEps()).pow(-0.5)).mul(weight);
    }

    private NDArray upload(FloatTensor tensor) {
        long[] shape = new long[tensor.shape().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = tensor.shape()[i];
        }
        return manager.create(tensor.data(), new Shape(shape)).toType(options.dataType(), false);
    }

    private NDArray concatRows(FloatTensor... tensors) {
        NDList parts = new NDList();
        for (FloatTensor t : tensors) {
            parts.add(upload(t));
        }
        NDArray fused = NDArrays.concat(parts, 0);
        parts.close();
        return fused;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Number of arrays the runtime's own manager holds: constant across steps when nothing leaks. */
    public int retainedArrays() {
        return manager.getManagedArrays().size();
    }
}
