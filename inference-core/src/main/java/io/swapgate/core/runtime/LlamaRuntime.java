package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PrefixAdapter;
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
    /** The rope tables of sliding-window layers: the same arrays as the others' unless they rotate differently. */
    private final NDArray slidingCos;

    private final NDArray slidingSin;
    private final NDArray halfTurn;
    private final int maxPositions;
    private final Slices slices;
    /** 1 / sqrt(headDim) as a tensor (see {@link OwnedScalar}: attention is differentiated when training). */
    private final NDArray attentionScale;
    /** Gemma's sqrt(dim) embedding multiplier, or null. */
    private final NDArray embeddingScale;
    /** Gemma's GELU and soft caps, or null for other models. */
    private final GemmaOps gemma;

    /** The threads the vector kernels split their work over; null where they cannot run ({@link VectorSupport}). */
    private final RowTeam vectorTeam;
    /** Decode steps of a few rows, off libtorch; null where they cannot run (see {@link VectorDecoder}). */
    private final VectorDecoder decoder;

    private Thread threadsSetOn;

    /**
     * One transformer block's weights, projections fused and pre-transposed to [in, out] for x @ W.
     *
     * @param qkvBias the query/key/value biases [queryDim + 2 kvDim], or null when the model has none
     * @param queryNorm per-head RMSNorm weights of queries [headDim] (Qwen3, Gemma 3), or null
     * @param keyNorm the same for keys, or null
     * @param postAttentionNorm the norm of the attention's output before the residual add (Gemma), or null
     * @param postFeedForwardNorm the same for the feed-forward's output, or null
     */
    record Block(
            NDArray attentionNorm,
            NDArray qkvT,
            NDArray qkvBias,
            NDArray queryNorm,
            NDArray keyNorm,
            NDArray outputT,
            NDArray ffnNorm,
            NDArray gateUpT,
            NDArray downT,
            NDArray postAttentionNorm,
            NDArray postFeedForwardNorm) {}

    /** Index expressions reused every step. */
    private record Slices(NDIndex query, NDIndex key, NDIndex value, NDIndex gate, NDIndex up) {}

    public LlamaRuntime(LlamaConfig config, LlamaWeights weights, RuntimeOptions options, int maxPositions) {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch before any direct JNI call
        if (options.threads() > 0) {
            JniUtils.setNumThreads(options.threads());
        }
        this.config = config;
        this.options = options;
        this.maxPositions = maxPositions;
        this.manager = NDManager.newBaseManager(options.device());
        WeightArena arena = new WeightArena(manager, weights.values());
        this.embedding = upload(arena, weights.embedding());
        this.blocks = new ArrayList<>();
        for (LayerWeights layer : weights.layers()) {
            blocks.add(new Block(
                    upload(arena, layer.attentionNorm()),
                    concatRows(arena, layer.query(), layer.key(), layer.value()).transpose(),
                    layer.qkvBias() == null ? null : upload(arena, layer.qkvBias()),
                    layer.queryNorm() == null ? null : upload(arena, layer.queryNorm()),
                    layer.keyNorm() == null ? null : upload(arena, layer.keyNorm()),
                    upload(arena, layer.output()).transpose(),
                    upload(arena, layer.ffnNorm()),
                    concatRows(arena, layer.gate(), layer.up()).transpose(),
                    upload(arena, layer.down()).transpose(),
                    layer.postAttentionNorm() == null ? null : upload(arena, layer.postAttentionNorm()),
                    layer.postFeedForwardNorm() == null ? null : upload(arena, layer.postFeedForwardNorm())));
        }
        this.finalNorm = upload(arena, weights.finalNorm());
        this.classifierT = upload(arena, weights.classifier()).transpose();
        RotaryTables rope = new RotaryTables(config, maxPositions, false);
        Shape ropeShape = new Shape(maxPositions, config.headDim());
        this.ropeCos = manager.create(rope.cos, ropeShape).toType(options.dataType(), false);
        this.ropeSin = manager.create(rope.sin, ropeShape).toType(options.dataType(), false);
        if (RotaryTables.slidingDiffers(config)) {
            RotaryTables sliding = new RotaryTables(config, maxPositions, true);
            this.slidingCos = manager.create(sliding.cos, ropeShape).toType(options.dataType(), false);
            this.slidingSin = manager.create(sliding.sin, ropeShape).toType(options.dataType(), false);
        } else {
            this.slidingCos = ropeCos;
            this.slidingSin = ropeSin;
        }
        this.vectorTeam = VectorSupport.usable(options)
                ? new RowTeam(
                        options.threads() > 0
                                ? options.threads()
                                : Runtime.getRuntime().availableProcessors(),
                        "swapgate-vector")
                : null;
        this.decoder = vectorTeam != null && VectorDecoder.supports(config, blocks, embedding, classifierT)
                ? new VectorDecoder(config, embedding, blocks, finalNorm, classifierT, rope, maxPositions, vectorTeam)
                : null;
        this.halfTurn = manager.create(
                        RotaryTables.halfTurn(config.headDim()), new Shape(config.headDim(), config.headDim()))
                .toType(options.dataType(), false);
        this.attentionScale = OwnedScalar.of(manager, config.attentionScale()).toType(options.dataType(), false);
        this.embeddingScale = config.gemma() == null
                ? null
                : OwnedScalar.of(manager, Math.sqrt(config.dim())).toType(options.dataType(), false);
        this.gemma = config.gemma() == null ? null : new GemmaOps(manager, config.gemma(), options.dataType());
        int d = config.queryDim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        this.slices = new Slices(
                new NDIndex("..., :{}", d),
                new NDIndex("..., {}:{}", d, d + kv),
                new NDIndex("..., {}:", d + kv),
                new NDIndex("..., :{}", h),
                new NDIndex("..., {}:", h));
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
            throw new IllegalArgumentException(
                    "cache length " + maxLength + " exceeds the runtime's " + maxPositions + " positions");
        }
        return new KvCache(
                manager, config.layers(), slots, maxLength, config.kvHeads(), config.headDim(), options.dataType());
    }

    /** A LoRA slot table with {@code slots} adapter slots of up to {@code maxRank}. */
    public LoraSlotTable newLoraSlotTable(int slots, int maxRank) {
        return newLoraSlotTable(slots, maxRank, true);
    }

    /** A slot table whose rows' products libtorch alone multiplies unless {@code onVectors} and the kernels can run. */
    LoraSlotTable newLoraSlotTable(int slots, int maxRank, boolean onVectors) {
        return new LoraSlotTable(
                manager,
                config,
                slots,
                maxRank,
                options.dataType(),
                this::transposedWeight,
                onVectors ? vectorTeam : null);
    }

    /** The base weight of {@code module} in {@code layer} as multiplied: [in, out], a view owned by {@code into}. */
    private NDArray transposedWeight(LoraModule module, int layer, NDManager into) {
        Block block = blocks.get(layer);
        return switch (module) {
            case Q -> block.qkvT.get(into, slices.query);
            case K -> block.qkvT.get(into, slices.key);
            case V -> block.qkvT.get(into, slices.value);
            case O -> block.outputT.get(into, new NDIndex(":"));
            case GATE -> block.gateUpT.get(into, slices.gate);
            case UP -> block.gateUpT.get(into, slices.up);
            case DOWN -> block.downT.get(into, new NDIndex(":"));
        };
    }

    /** Writes a prefix-tuning adapter's keys and values into the first positions of a cache slot. */
    public void writePrefix(KvCache cache, int slot, PrefixAdapter prefix) {
        int n = prefix.virtualTokens();
        NDIndex target = new NDIndex("{}, :, :{}", slot, n);
        Shape shape = new Shape(n, config.kvHeads(), config.headDim());
        try (NDManager upload = manager.newSubManager()) {
            for (int l = 0; l < blocks.size(); l++) {
                cache.keys(l)
                        .set(
                                target,
                                upload.create(prefix.cacheEntries(l, false), shape)
                                        .transpose(1, 0, 2)
                                        .toType(options.dataType(), false));
                cache.values(l)
                        .set(
                                target,
                                upload.create(prefix.cacheEntries(l, true), shape)
                                        .transpose(1, 0, 2)
                                        .toType(options.dataType(), false));
            }
        }
    }

    /**
     * Runs one step and returns, per row, the logits and the final (normalised) hidden state after its last token.
     * Rows of one token (decoding) and longer rows (prefill chunks) may share a step: each kind is laid out and attended
     * apart ({@link StepSegment}), and every weight product runs once over both kinds' tokens.
     *
     * @param lora the slot table the rows' {@link ForwardBatch.LoraUse} refer to; may be null when no row uses one
     */
    public StepOutput forward(ForwardBatch batch, KvCache cache, LoraSlotTable lora) {
        useThreads();
        if (decoder != null && decoder.accepts(batch, cache, lora)) {
            return decoder.decode(batch, cache, lora);
        }
        try (NDManager step = manager.newSubManager()) {
            List<StepSegment> segments =
                    StepSegment.of(batch, cache.maxLength(), config.slidingWindow(), lora, step, options.dataType());
            int count = segments.size();
            NDArray[] x = new NDArray[count];
            NDArray[][] global = new NDArray[count][];
            NDArray[][] sliding = new NDArray[count][];
            for (int i = 0; i < count; i++) {
                StepSegment segment = segments.get(i);
                StepLayout layout = segment.layout();
                x[i] = scaleEmbeddings(
                        embed(segment.rows(), layout, step).reshape(layout.rows, layout.width, config.dim()));
                global[i] = anglesAt(ropeCos, ropeSin, layout, step);
                sliding[i] = slidingCos == ropeCos ? global[i] : anglesAt(slidingCos, slidingSin, layout, step);
            }
            for (int l = 0; l < blocks.size(); l++) {
                Block block = blocks.get(l);
                boolean slides = config.slidingLayer(l);
                NDArray[] h = new NDArray[count];
                for (int i = 0; i < count; i++) {
                    h[i] = rmsNorm(x[i], block.attentionNorm);
                }
                NDArray[] qkv = project(h, block.qkvT, block.qkvBias, segments);
                NDArray[] merged = new NDArray[count];
                for (int i = 0; i < count; i++) {
                    StepSegment segment = segments.get(i);
                    NDArray[] angles = slides ? sliding[i] : global[i];
                    NDArray mask = slides ? segment.layout().windowMask : segment.layout().mask;
                    merged[i] = outputInput(
                            attention(h[i], qkv[i], block, l, cache, segment, angles, mask, step), l, segment.lora());
                }
                x = withOutputs(
                        x,
                        LoraModule.O,
                        l,
                        merged,
                        project(merged, block.outputT, null, segments),
                        block.postAttentionNorm,
                        segments);
                for (int i = 0; i < count; i++) {
                    h[i] = rmsNorm(x[i], block.ffnNorm);
                }
                NDArray[] gateUp = project(h, block.gateUpT, null, segments);
                NDArray[] product = new NDArray[count];
                for (int i = 0; i < count; i++) {
                    product[i] =
                            gatedProduct(gateUp[i], h[i], l, segments.get(i).lora());
                }
                x = withOutputs(
                        x,
                        LoraModule.DOWN,
                        l,
                        product,
                        project(product, block.downT, null, segments),
                        block.postFeedForwardNorm,
                        segments);
            }
            NDList lasts = new NDList(count);
            for (int i = 0; i < count; i++) {
                StepLayout layout = segments.get(i).layout();
                lasts.add(x[i].reshape(layout.rows * (long) layout.width, config.dim())
                        .get(new NDIndex("{}", layout.lastTokens)));
            }
            NDArray last = rmsNorm(count == 1 ? lasts.get(0) : NDArrays.concat(lasts, 0), finalNorm);
            NDArray logits = classify(last);
            int[] order = segmentOrder(segments);
            return new StepOutput(
                    split(logits.toFloatArray(), order),
                    split(last.toType(DataType.FLOAT32, false).toFloatArray(), order));
        }
    }

    /**
     * Each segment's activations [rows, width, in] times {@code weightT} [in, out] (plus {@code bias}), as one product
     * over all segments' tokens so the weight is read once; returns each segment's [rows, width, out].
     */
    private NDArray[] project(NDArray[] inputs, NDArray weightT, NDArray bias, List<StepSegment> segments) {
        NDArray flat;
        if (inputs.length == 1) {
            flat = inputs[0].reshape(-1, inputs[0].getShape().get(2));
        } else {
            NDList parts = new NDList(inputs.length);
            for (NDArray input : inputs) {
                parts.add(input.reshape(-1, input.getShape().get(2)));
            }
            flat = NDArrays.concat(parts, 0);
        }
        NDArray product = withBias(times(flat, weightT), bias);
        NDArray[] outputs = new NDArray[inputs.length];
        long from = 0;
        for (int i = 0; i < inputs.length; i++) {
            StepLayout layout = segments.get(i).layout();
            long to = from + segments.get(i).paddedTokens();
            NDArray rows = inputs.length == 1 ? product : product.get(new NDIndex("{}:{}", from, to));
            outputs[i] = rows.reshape(layout.rows, layout.width, -1);
            from = to;
        }
        return outputs;
    }

    /**
     * Rows x [m, in] times weightT [in, out], computed as (W x^T)^T from the weight's own [out, in] layout: libtorch's
     * BLAS splits that product over its threads where it runs x W^T on one. Decode steps of the 85.7M peer model on 2
     * cores (docs/benchmarks.md): 33.7 to 29.8 ms for 1 row, 59.5 to 31.9 for 4, 91.0 to 56.0 for 16, 121.5 to 97.9 for
     * 32. The rows are padded with zero rows where {@link ProductRows} says that is faster.
     */
    private NDArray times(NDArray x, NDArray weightT) {
        long m = x.getShape().get(0);
        long padded = ProductRows.of(m, options.threads());
        NDArray rows = padded == m
                ? x
                : x.concat(
                        x.getManager().zeros(new Shape(padded - m, x.getShape().get(1)), x.getDataType()));
        NDArray weight = weightT.transpose();
        weight.attach(x.getManager()); // a view; the product, made from it, then belongs to the step, not the runtime
        // Flattened, the transposed product is copied row-major: strided rows would slow every op downstream.
        NDArray product = weight.matMul(rows.transpose())
                .transpose()
                .flatten()
                .reshape(rows.getShape().get(0), -1);
        return rows == x ? product : product.get(new NDIndex("0:{}", m));
    }

    /**
     * Each segment's x plus its sub-layer's output: {@code out} = in W^T of {@code module}, with the segment's LoRA
     * update for {@code in}, normalised first where the block has a norm after it.
     */
    private NDArray[] withOutputs(
            NDArray[] x,
            LoraModule module,
            int layer,
            NDArray[] in,
            NDArray[] out,
            NDArray normAfter,
            List<StepSegment> segments) {
        NDArray[] sums = new NDArray[x.length];
        for (int i = 0; i < x.length; i++) {
            sums[i] = residual(x[i], updated(module, layer, segments.get(i).lora(), in[i], out[i]), normAfter);
        }
        return sums;
    }

    /** Not in place: training differentiates through the product. */
    private static NDArray withBias(NDArray product, NDArray bias) {
        return bias == null ? product : product.add(bias);
    }

    /** For each row of the step's batch, its place among the segments' rows in segment order. */
    private static int[] segmentOrder(List<StepSegment> segments) {
        int[] order =
                new int[segments.stream().mapToInt(s -> s.batchRows().length).sum()];
        int place = 0;
        for (StepSegment segment : segments) {
            for (int row : segment.batchRows()) {
                order[row] = place++;
            }
        }
        return order;
    }

    /** RoPE cosines and sines of the step's positions, [rows, width, 1, headDim] each. */
    private static NDArray[] anglesAt(NDArray cos, NDArray sin, StepLayout layout, NDManager step) {
        NDIndex at = new NDIndex("{}", layout.positions);
        return new NDArray[] {
            cos.get(step, at).reshape(layout.rows, layout.width, 1, -1),
            sin.get(step, at).reshape(layout.rows, layout.width, 1, -1)
        };
    }

    /** x plus a sub-layer's output, the output normalised first where the block has a norm after it (Gemma). */
    NDArray residual(NDArray x, NDArray output, NDArray normAfter) {
        return x.add(normAfter == null ? output : rmsNorm(output, normAfter));
    }

    /** Gemma multiplies embeddings, virtual tokens' included, by sqrt(dim) before the first block. */
    NDArray scaleEmbeddings(NDArray x) {
        return embeddingScale == null ? x : x.mul(embeddingScale);
    }

    /**
     * Sets the runtime's intra-op threads on the calling thread, where they are not set yet: OpenMP's setting is per
     * thread, so it is made on the thread that runs the step, not where the runtime was built. Every step uses all of
     * them, one token included, since {@link #times} splits even a lone row's products over them.
     */
    void useThreads() {
        if (options.threads() <= 0) {
            return;
        }
        Thread current = Thread.currentThread();
        if (current != threadsSetOn) {
            JniUtils.setNumThreads(options.threads());
            threadsSetOn = current;
        }
    }

    /** Row {@code r} of the result is row {@code order[r]} of {@code flat}. */
    static float[][] split(float[] flat, int[] order) {
        int width = flat.length / order.length;
        float[][] out = new float[order.length][];
        for (int r = 0; r < order.length; r++) {
            out[r] = java.util.Arrays.copyOfRange(flat, order[r] * width, (order[r] + 1) * width);
        }
        return out;
    }

    /** Token embeddings [rows * width, dim]; prompt-tuning virtual tokens take their rows' learned embeddings. */
    private NDArray embed(ForwardBatch batch, StepLayout layout, NDManager step) {
        NDArray x = embedding.get(step, new NDIndex("{}", layout.tokens));
        List<Long> positions = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        int width = layout.width;
        int dim = config.dim();
        for (int r = 0; r < batch.size(); r++) {
            ForwardBatch.Row row = batch.rows().get(r);
            for (int t = 0; t < row.tokens().length; t++) {
                if (row.tokens()[t] < 0) {
                    int virtual = -row.tokens()[t] - 1;
                    positions.add((long) r * width + t);
                    vectors.add(java.util.Arrays.copyOfRange(
                            row.virtualTokens().data(), virtual * dim, (virtual + 1) * dim));
                }
            }
        }
        if (!positions.isEmpty()) {
            float[] values = new float[vectors.size() * dim];
            for (int i = 0; i < vectors.size(); i++) {
                System.arraycopy(vectors.get(i), 0, values, i * dim, dim);
            }
            long[] where = positions.stream().mapToLong(Long::longValue).toArray();
            x.set(
                    new NDIndex("{}", step.create(where)),
                    step.create(values, new Shape(where.length, dim)).toType(options.dataType(), false));
        }
        return x;
    }

    /** One segment's attention over its rows' caches, from the normalised input h and its projections qkv. */
    private NDArray attention(
            NDArray h,
            NDArray qkv,
            Block block,
            int layer,
            KvCache cache,
            StepSegment segment,
            NDArray[] angles,
            NDArray mask,
            NDManager step) {
        StepLayout layout = segment.layout();
        int rows = layout.rows;
        int width = layout.width;
        NDArray[] heads = queryKeyValue(qkv, h, layer, segment.lora());
        NDArray q = rotatedHeads(heads[0], block.queryNorm, rows, width, config.heads(), angles[0], angles[1]);
        NDArray k = rotatedHeads(heads[1], block.keyNorm, rows, width, config.kvHeads(), angles[0], angles[1]);

        // Append this step's keys and values to each row's slot, then attend over the slot's whole history.
        long tokens = (long) rows * width;
        cache.keys(layer)
                .set(layout.cacheTarget, layout.realTokens(k.reshape(tokens, config.kvHeads(), config.headDim())));
        cache.values(layer)
                .set(
                        layout.cacheTarget,
                        layout.realTokens(heads[2].reshape(tokens, config.kvHeads(), config.headDim())));
        // Rows out of order or with gaps between their slots attend as one query row per slot of the view.
        NDArray mixed = attend(
                layout.perViewSlot(q, step),
                history(cache.keys(layer), layout, step),
                history(cache.values(layer), layout, step),
                mask);
        return layout.perRow(mixed);
    }

    /**
     * The rows' cached keys or values up to the step's span, [slots, kvHeads, span, headDim]: where the layout has a
     * view ({@link StepLayout#viewFirst}), that view of the cache, nothing copied, which attention multiplies in place;
     * else a copy of exactly the rows' own slots. Copying every slot's history, as an index over the whole cache would,
     * read more bytes per step than the weights.
     */
    private static NDArray history(NDArray cached, StepLayout layout, NDManager step) {
        if (layout.viewFirst >= 0) {
            return cached.get(
                    step,
                    new NDIndex("{}:{}, :, :{}", layout.viewFirst, layout.viewFirst + layout.viewSlots, layout.span));
        }
        NDList rows = new NDList(layout.rows);
        for (int slot : layout.slotOfRow) {
            rows.add(cached.get(step, new NDIndex("{}, :, :{}", slot, layout.span)));
        }
        return NDArrays.stack(rows);
    }

    /** The attention input's query, key and value projections [rows, width, queryDim or kvDim], with LoRA updates. */
    NDArray[] queryKeyValue(NDArray h, Block block, int layer, LoraUpdate lora) {
        return queryKeyValue(withBias(h.matMul(block.qkvT), block.qkvBias), h, layer, lora);
    }

    /** The fused projection {@code qkv} of the attention input {@code h} split into queries, keys and values. */
    private NDArray[] queryKeyValue(NDArray qkv, NDArray h, int layer, LoraUpdate lora) {
        NDArray q = qkv.get(slices.query);
        NDArray k = qkv.get(slices.key);
        NDArray v = qkv.get(slices.value);
        if (lora != null) {
            q = lora.apply(LoraModule.Q, layer, h, q);
            k = lora.apply(LoraModule.K, layer, h, k);
            v = lora.apply(LoraModule.V, layer, h, v);
        }
        return new NDArray[] {q, k, v};
    }

    /**
     * Grouped-query attention of rotated queries [rows, width, heads, headDim] over keys and values
     * [rows, kvHeads, span, headDim] under an additive mask that broadcasts to [rows, kvHeads, group, width, span]
     * (null: no key is hidden);
     * returns the heads merged, [rows, width, queryDim].
     */
    NDArray attend(NDArray q, NDArray keys, NDArray values, NDArray mask) {
        long rows = q.getShape().get(0);
        long width = q.getShape().get(1);
        long span = keys.getShape().get(2);
        int headDim = config.headDim();
        int kvHeads = config.kvHeads();
        int group = config.queriesPerKvHead();
        // Query heads that share a KV head are stacked along the query axis: [rows, kvHeads, group * width, headDim].
        NDArray grouped = q.transpose(0, 2, 1, 3).reshape(rows, kvHeads, group * width, headDim);
        NDArray scores = grouped.matMul(keys.transpose(0, 1, 3, 2)).mul(attentionScale);
        if (gemma != null) {
            scores = gemma.capScores(scores);
        }
        scores = scores.reshape(rows, kvHeads, group, width, span);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray mixed =
                scores.softmax(-1).reshape(rows, kvHeads, group * width, span).matMul(values);
        return mixed.reshape(rows, config.heads(), width, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(rows, width, config.queryDim());
    }

    /** The attention output projection of the merged heads, with its LoRA update. */
    NDArray output(NDArray merged, Block block, int layer, LoraUpdate lora) {
        NDArray in = outputInput(merged, layer, lora);
        return updated(LoraModule.O, layer, lora, in, in.matMul(block.outputT));
    }

    /** The merged heads as the output projection multiplies them (scaled where an IA3 adapter scales them). */
    private static NDArray outputInput(NDArray merged, int layer, LoraUpdate lora) {
        return lora == null ? merged : lora.scaleInput(LoraModule.O, layer, merged);
    }

    /** {@code out} = in W^T of {@code module} with the module's LoRA update, if any. */
    private static NDArray updated(LoraModule module, int layer, LoraUpdate lora, NDArray in, NDArray out) {
        return lora == null ? out : lora.apply(module, layer, in, out);
    }

    NDArray feedForward(NDArray h, Block block, int layer, LoraUpdate lora) {
        NDArray product = gatedProduct(h.matMul(block.gateUpT), h, layer, lora);
        return updated(LoraModule.DOWN, layer, lora, product, product.matMul(block.downT));
    }

    /** The down projection's input: the activated gate times up, from their fused projection {@code gateUp} of h. */
    private NDArray gatedProduct(NDArray gateUp, NDArray h, int layer, LoraUpdate lora) {
        NDArray gate = gateUp.get(slices.gate);
        NDArray up = gateUp.get(slices.up);
        if (lora != null) {
            gate = lora.apply(LoraModule.GATE, layer, h, gate);
            up = lora.apply(LoraModule.UP, layer, h, up);
        }
        NDArray product = activated(gate).mul(up);
        return lora == null ? product : lora.scaleInput(LoraModule.DOWN, layer, product);
    }

    /** SiLU of the gate (SwiGLU), or for Gemma GELU (GeGLU). */
    private NDArray activated(NDArray gate) {
        return gemma == null ? gate.mul(gate.getNDArrayInternal().sigmoid()) : gemma.gelu(gate);
    }

    /**
     * RoPE in the "rotate half" form: (a, b) -> (a cos - b sin, b cos + a sin) over the two halves of each head,
     * computed as x * cos + (x H) * sin with {@link RotaryTables#halfTurn} H and both halves' angles in each row.
     */
    NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).add(x.matMul(halfTurn).mul(sin));
    }

    /**
     * Projected queries or keys [rows, width, heads * headDim] as rotated heads [rows, width, heads, headDim], each head
     * RMS-normalised first when the block has head norms (Qwen3).
     */
    NDArray rotatedHeads(NDArray projected, NDArray norm, long rows, long width, int heads, NDArray cos, NDArray sin) {
        NDArray split = projected.reshape(rows, width, heads, config.headDim());
        return rotate(norm == null ? split : rmsNorm(split, norm), cos, sin);
    }

    NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add(config.normEps()).sqrt()).mul(weight);
    }

    private NDArray upload(WeightArena arena, FloatTensor tensor) {
        return served(arena.place(shapeOf(tensor.shape()), tensor.data()));
    }

    /** Weights with the same columns as one tensor, their rows one after another (fused projections). */
    private NDArray concatRows(WeightArena arena, FloatTensor... tensors) {
        float[][] parts = new float[tensors.length][];
        long rows = 0;
        for (int i = 0; i < tensors.length; i++) {
            parts[i] = tensors[i].data();
            rows += tensors[i].shape()[0];
        }
        Shape shape = new Shape(rows, tensors[0].shape()[1]);
        return served(arena.place(shape, parts));
    }

    /** A float32 weight in the serving type; a converted one's float32 original is freed, not kept beside it. */
    private NDArray served(NDArray weight) {
        NDArray converted = weight.toType(options.dataType(), false);
        if (converted != weight) {
            weight.close();
        }
        return converted;
    }

    private static Shape shapeOf(int[] dimensions) {
        long[] shape = new long[dimensions.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dimensions[i];
        }
        return new Shape(shape);
    }

    @Override
    public void close() {
        if (vectorTeam != null) {
            vectorTeam.close();
        }
        manager.close();
    }

    /** The decoder that takes decode steps of a few rows off libtorch, or null where there is none. */
    VectorDecoder decoder() {
        return decoder;
    }

    Block block(int layer) {
        return blocks.get(layer);
    }

    /** Token embeddings [n, dim] of the given ids, in {@code scope}. */
    NDArray embed(NDManager scope, NDArray ids) {
        return embedding.get(scope, new NDIndex("{}", ids));
    }

    /**
     * RoPE cosines and sines for positions [from, from + count), shaped [1, count, 1, headDim] to broadcast, for
     * sliding-window layers or the others.
     */
    NDArray[] rotaryAngles(NDManager scope, int from, int count, boolean sliding) {
        if (from + count > maxPositions) {
            throw new IllegalArgumentException(
                    "positions up to " + (from + count) + " exceed the runtime's " + maxPositions);
        }
        NDIndex range = new NDIndex("{}:{}", from, from + count);
        Shape shape = new Shape(1, count, 1, config.headDim());
        NDArray cos = sliding ? slidingCos : ropeCos;
        NDArray sin = sliding ? slidingSin : ropeSin;
        return new NDArray[] {
            cos.get(scope, range).reshape(shape), sin.get(scope, range).reshape(shape)
        };
    }

    /** The final norm of hidden states. */
    NDArray finalNorm(NDArray x) {
        return rmsNorm(x, finalNorm);
    }

    /** Logits (float32) of final-normalised hidden states [..., dim], soft-capped where the model caps them. */
    NDArray classify(NDArray hidden) {
        Shape shape = hidden.getShape();
        NDArray logits = times(hidden.reshape(-1, shape.get(shape.dimension() - 1)), classifierT)
                .reshape(shape.slice(0, shape.dimension() - 1)
                        .add(classifierT.getShape().get(1)))
                .toType(DataType.FLOAT32, false);
        return gemma == null ? logits : gemma.capLogits(logits);
    }

    /** Number of arrays the runtime's own manager holds: constant across steps when nothing leaks. */
    public int retainedArrays() {
        return manager.getManagedArrays().size();
    }
}
