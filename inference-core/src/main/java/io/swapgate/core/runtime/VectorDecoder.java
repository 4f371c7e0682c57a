package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.runtime.vector.HeadAttention;
import io.swapgate.core.runtime.vector.RowProducts;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of up to {@value #MAX_TOKENS} tokens of a Llama model (decoding rows and short prompts), computed in Java on
 * the CPU's vector units straight from the memory of the weights and the KV cache that the runtime's tensors own. Such
 * a step reads every weight for a handful of tokens: libtorch spends about as long again on the bookkeeping of its
 * 700 small ops as on the products, and its bundled BLAS reads the weights at 11-14 GB/s on the CPUs measured in
 * docs/benchmarks.md, where this reads at 16-19. Rows' adapters (LoRA, DyLoRA, DoRA, IA3) are read from the LoRA slot
 * table in place ({@link TokenLoras}). Every other step (more tokens, prompt-tuning tokens, Gemma, head norms, a GPU,
 * half precision) runs through libtorch; a step here writes the same cache entries and returns what
 * {@link LlamaRuntime#forward} would. Needs the JVM flag {@code --add-modules jdk.incubator.vector}.
 */
final class VectorDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(VectorDecoder.class);

    /**
     * The most tokens a step may have to be taken here. Each chunk of a weight is read from memory once and multiplied
     * by four rows at a time while the cache holds it, so more rows cost arithmetic, where libtorch's BLAS is faster
     * than these kernels. Steps of the 85.7M peer model, 2 threads (median ms, here against libtorch): 8 rows 37-44
     * against 46-58, 12 rows 54-56 against 67-73, 16 rows 70-77 against 60-83 (even); the 27M model: 12 rows 17-19
     * against 35, 16 rows 22-25 against 34-37, 24 rows 32 against 40-48.
     */
    static final int MAX_TOKENS = 16;

    /** One block's weights: norms copied to the heap, matrices read in place, row-major [out, in]. */
    private record Layer(
            float[] attentionNorm,
            ByteBuffer qkv,
            float[] qkvBias,
            ByteBuffer output,
            float[] ffnNorm,
            ByteBuffer gateUp,
            ByteBuffer down) {}

    private final LlamaConfig config;
    private final RowTeam team;
    private final ByteBuffer embedding;
    private final Layer[] layers;
    private final float[] finalNorm;
    private final ByteBuffer classifier;
    private final RotaryTables rope;
    private final int maxPositions;
    private final float scale;

    /** The decoder of a runtime that {@link #supports} it, reading these tensors in place. */
    VectorDecoder(
            LlamaConfig config,
            NDArray embedding,
            List<LlamaRuntime.Block> blocks,
            NDArray finalNorm,
            NDArray classifierT,
            RotaryTables rope,
            int maxPositions,
            RowTeam team) {
        this.config = config;
        this.embedding = embedding.toByteBuffer(true);
        this.layers = new Layer[blocks.size()];
        for (int l = 0; l < layers.length; l++) {
            LlamaRuntime.Block block = blocks.get(l);
            layers[l] = new Layer(
                    block.attentionNorm().toFloatArray(),
                    rows(block.qkvT()),
                    block.qkvBias() == null ? null : block.qkvBias().toFloatArray(),
                    rows(block.outputT()),
                    block.ffnNorm().toFloatArray(),
                    rows(block.gateUpT()),
                    rows(block.downT()));
        }
        this.finalNorm = finalNorm.toFloatArray();
        this.classifier = rows(classifierT);
        this.rope = rope;
        this.maxPositions = maxPositions;
        this.scale = (float) config.attentionScale();
        this.team = team;
        LOG.info(
                "Steps of up to {} tokens run on {}-bit vectors over {} thread(s)",
                MAX_TOKENS,
                RowProducts.vectorBits(),
                team.threads());
    }

    /**
     * Whether the steps of a runtime that can use the vector kernels ({@link VectorSupport#usable}) can be taken here:
     * not for Gemma or head-normalised models, nor with a weight too large for one buffer.
     */
    static boolean supports(
            LlamaConfig config, List<LlamaRuntime.Block> blocks, NDArray embedding, NDArray classifierT) {
        boolean plain = config.gemma() == null
                && blocks.stream()
                        .allMatch(b -> b.queryNorm() == null
                                && b.keyNorm() == null
                                && b.postAttentionNorm() == null
                                && b.postFeedForwardNorm() == null);
        return plain
                && VectorSupport.addressable(embedding)
                && VectorSupport.addressable(classifierT)
                && blocks.stream()
                        .allMatch(b -> VectorSupport.addressable(b.qkvT())
                                && VectorSupport.addressable(b.outputT())
                                && VectorSupport.addressable(b.gateUpT())
                                && VectorSupport.addressable(b.downT()));
    }

    /**
     * The step's tokens in row order, each with its slot and position: a row of several tokens (a short prompt) is as
     * many tokens at consecutive positions of one slot, each attending to the ones before it.
     *
     * @param last for each batch row, the index of its last token: the one whose logits the step returns
     */
    private record Tokens(int[] ids, int[] slots, int[] positions, int[] last) {

        static Tokens of(ForwardBatch batch) {
            int count = batch.tokenCount();
            Tokens tokens = new Tokens(new int[count], new int[count], new int[count], new int[batch.size()]);
            int t = 0;
            for (int r = 0; r < batch.size(); r++) {
                ForwardBatch.Row row = batch.rows().get(r);
                for (int i = 0; i < row.tokens().length; i++, t++) {
                    tokens.ids[t] = row.tokens()[i];
                    tokens.slots[t] = row.slot();
                    tokens.positions[t] = row.start() + i;
                }
                tokens.last[r] = t - 1;
            }
            return tokens;
        }

        int count() {
            return ids.length;
        }
    }

    /**
     * Whether {@code batch} is a step this decoder runs: at most {@value #MAX_TOKENS} tokens in all (decoding rows, or
     * short prompts), none of them a virtual token, and every row's adapter one the kernels serve a row at a time from
     * {@code table} ({@link LoraSlotTable#servesOnVectors}).
     */
    boolean accepts(ForwardBatch batch, KvCache cache, LoraSlotTable table) {
        if (batch.tokenCount() > MAX_TOKENS || !cache.addressable()) {
            return false;
        }
        for (ForwardBatch.Row row : batch.rows()) {
            if ((row.lora() != null
                            && (table == null
                                    || !table.servesOnVectors(row.lora().tableSlot())))
                    || row.end() > Math.min(cache.maxLength(), maxPositions)
                    || row.slot() >= cache.slots()) {
                return false;
            }
            for (int token : row.tokens()) {
                if (token < 0 || token >= config.vocabSize()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Runs a step {@link #accepts} took: appends each row's tokens to its slot and returns, per row, the logits and
     * the final hidden state after its last token. Rows' adapters apply as in libtorch's step ({@link TokenLoras}).
     */
    StepOutput decode(ForwardBatch batch, KvCache cache, LoraSlotTable table) {
        Tokens tokens = Tokens.of(batch);
        TokenLoras lora = TokenLoras.of(batch, tokens.count(), table, team);
        int count = tokens.count();
        int dim = config.dim();
        int queryDim = config.queryDim();
        int kvDim = config.kvDim();
        int fused = queryDim + 2 * kvDim;
        int hidden = config.hiddenDim();
        float[] x = new float[count * dim];
        float[] h = new float[count * dim];
        float[] qkv = new float[count * fused];
        float[] mixed = new float[count * queryDim];
        float[] out = new float[count * dim];
        float[] gateUp = new float[count * 2 * hidden];
        float[] activated = new float[count * hidden];
        for (int t = 0; t < count; t++) {
            for (int c = 0; c < dim; c++) {
                x[t * dim + c] = embedding.getFloat(4 * (tokens.ids[t] * dim + c));
            }
        }
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            normalise(x, layer.attentionNorm, count, h);
            multiply(layer.qkv, dim, h, count, qkv, fused);
            if (layer.qkvBias != null) {
                for (int t = 0; t < count; t++) {
                    for (int c = 0; c < fused; c++) {
                        qkv[t * fused + c] += layer.qkvBias[c];
                    }
                }
            }
            if (lora != null) {
                lora.add(LoraModule.Q, l, h, qkv, fused, 0);
                lora.add(LoraModule.K, l, h, qkv, fused, queryDim);
                lora.add(LoraModule.V, l, h, qkv, fused, queryDim + kvDim);
            }
            // Every token's key and value is in the cache before any token attends: a prompt's tokens see each other.
            for (int t = 0; t < count; t++) {
                rotate(qkv, t * fused, config.heads(), tokens.positions[t]);
                rotate(qkv, t * fused + queryDim, config.kvHeads(), tokens.positions[t]);
                append(cache.keyMemory(l), qkv, t * fused + queryDim, tokens, t, cache);
                append(cache.valueMemory(l), qkv, t * fused + queryDim + kvDim, tokens, t, cache);
            }
            attend(tokens, cache, l, qkv, mixed);
            if (lora != null) {
                lora.scaleInputs(LoraModule.O, l, mixed, queryDim);
            }
            multiply(layer.output, queryDim, mixed, count, out, dim);
            if (lora != null) {
                lora.add(LoraModule.O, l, mixed, out, dim, 0);
            }
            add(out, x);
            normalise(x, layer.ffnNorm, count, h);
            multiply(layer.gateUp, dim, h, count, gateUp, 2 * hidden);
            if (lora != null) {
                lora.add(LoraModule.GATE, l, h, gateUp, 2 * hidden, 0);
                lora.add(LoraModule.UP, l, h, gateUp, 2 * hidden, hidden);
            }
            swiGlu(gateUp, hidden, count, activated);
            if (lora != null) {
                lora.scaleInputs(LoraModule.DOWN, l, activated, hidden);
            }
            multiply(layer.down, hidden, activated, count, out, dim);
            if (lora != null) {
                lora.add(LoraModule.DOWN, l, activated, out, dim, 0);
            }
            add(out, x);
        }
        int rows = batch.size();
        float[] lasts = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, tokens.last[r] * dim, lasts, r * dim, dim);
        }
        float[] normalised = new float[rows * dim];
        normalise(lasts, finalNorm, rows, normalised);
        int vocab = config.vocabSize();
        float[] logits = new float[rows * vocab];
        multiply(classifier, dim, normalised, rows, logits, vocab);
        int[] inOrder = IntStream.range(0, rows).toArray();
        return new StepOutput(LlamaRuntime.split(logits, inOrder), LlamaRuntime.split(normalised, inOrder));
    }

    /** Every query head of every token over its slot's history up to its position, the heads split over the team. */
    private void attend(Tokens tokens, KvCache cache, int layer, float[] qkv, float[] mixed) {
        int heads = config.heads();
        int headDim = config.headDim();
        int group = config.queriesPerKvHead();
        int fused = config.queryDim() + 2 * config.kvDim();
        ByteBuffer keys = cache.keyMemory(layer);
        ByteBuffer values = cache.valueMemory(layer);
        int longest = Arrays.stream(tokens.positions).max().orElseThrow() + 1;
        team.run(tokens.count() * heads, (from, to) -> {
            float[] scores = new float[longest];
            for (int unit = from; unit < to; unit++) {
                int t = unit / heads;
                int head = unit % heads;
                int history = (tokens.slots[t] * config.kvHeads() + head / group) * cache.maxLength() * headDim;
                HeadAttention.attend(
                        qkv,
                        t * fused + head * headDim,
                        keys,
                        values,
                        history,
                        headDim,
                        tokens.positions[t] + 1,
                        scale,
                        scores,
                        mixed,
                        t * config.queryDim() + head * headDim);
            }
        });
    }

    /** y [rows, out] = x [rows, in] W^T, the weight's rows split over the team. */
    private void multiply(ByteBuffer weight, int in, float[] x, int rows, float[] y, int out) {
        team.run(out, (from, to) -> RowProducts.multiply(weight, in, x, rows, y, out, from, to));
    }

    /** RMSNorm of each row of x times the norm's weight, into h. */
    private void normalise(float[] x, float[] weight, int rows, float[] h) {
        int dim = config.dim();
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int c = 0; c < dim; c++) {
                float v = x[r * dim + c];
                squares += v * v;
            }
            float inverse = (float) (1 / Math.sqrt(squares / dim + config.normEps()));
            for (int c = 0; c < dim; c++) {
                h[r * dim + c] = x[r * dim + c] * inverse * weight[c];
            }
        }
    }

    /** RoPE of {@code heads} heads from {@code offset} at {@code position}, as {@link LlamaRuntime#rotate}. */
    private void rotate(float[] values, int offset, int heads, int position) {
        int headDim = config.headDim();
        int half = headDim / 2;
        int angles = position * headDim;
        for (int head = 0; head < heads; head++) {
            int at = offset + head * headDim;
            for (int i = 0; i < half; i++) {
                float a = values[at + i];
                float b = values[at + half + i];
                values[at + i] = a * rope.cos[angles + i] - b * rope.sin[angles + i];
                values[at + half + i] = b * rope.cos[angles + half + i] + a * rope.sin[angles + half + i];
            }
        }
    }

    /** Writes token {@code t}'s keys or values [kvHeads, headDim] (at {@code offset} of {@code source}) to its slot. */
    private void append(ByteBuffer memory, float[] source, int offset, Tokens tokens, int t, KvCache cache) {
        int headDim = config.headDim();
        for (int head = 0; head < config.kvHeads(); head++) {
            int target =
                    ((tokens.slots[t] * config.kvHeads() + head) * cache.maxLength() + tokens.positions[t]) * headDim;
            for (int c = 0; c < headDim; c++) {
                memory.putFloat(4 * (target + c), source[offset + head * headDim + c]);
            }
        }
    }

    /** For each row of gateUp [rows, 2 hidden] (the gate's outputs, then up's): silu(gate) * up, into out. */
    private static void swiGlu(float[] gateUp, int hidden, int rows, float[] out) {
        for (int r = 0; r < rows; r++) {
            int gate = 2 * r * hidden;
            int up = gate + hidden;
            for (int c = 0; c < hidden; c++) {
                float g = gateUp[gate + c];
                out[r * hidden + c] = g / (1f + (float) Math.exp(-g)) * gateUp[up + c];
            }
        }
    }

    /** x += update. */
    private static void add(float[] update, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] += update[i];
        }
    }

    /** A transposed weight's rows in place: the view back to [out, in] is contiguous, so nothing is copied. */
    private static ByteBuffer rows(NDArray weightT) {
        return weightT.transpose().toByteBuffer(true);
    }
}
