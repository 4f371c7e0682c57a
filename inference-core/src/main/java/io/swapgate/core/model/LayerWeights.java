package io.swapgate.core.model;

import java.util.List;

/**
 * One transformer block. Projection matrices are [out, in] (y = W x) in Hugging Face layout,
 * i.e. query and key rows ordered for the "rotate half" form of RoPE.
 *
 * @param qkvBias the query, key and value projections' biases end to end [dim + 2 kvDim] (Qwen2's), or null for none
 * @param queryNorm RMSNorm weights [headDim] applied to each query head before the rotation (Qwen3's), or null
 * @param keyNorm the same for each key head, or null
 * @param postAttentionNorm RMSNorm weights [dim] of the attention's output before the residual add (Gemma's), or null
 * @param postFeedForwardNorm the same for the feed-forward's output, or null
 */
public record LayerWeights(
        FloatTensor attentionNorm,
        FloatTensor query,
        FloatTensor key,
        FloatTensor value,
        FloatTensor output,
        FloatTensor ffnNorm,
        FloatTensor gate,
        FloatTensor up,
        FloatTensor down,
        FloatTensor qkvBias,
        FloatTensor queryNorm,
        FloatTensor keyNorm,
        FloatTensor postAttentionNorm,
        FloatTensor postFeedForwardNorm) {

    /** A block without projection biases, as Llama's. */
    public LayerWeights(
            FloatTensor attentionNorm,
            FloatTensor query,
            FloatTensor key,
            FloatTensor value,
            FloatTensor output,
            FloatTensor ffnNorm,
            FloatTensor gate,
            FloatTensor up,
            FloatTensor down) {
        this(attentionNorm, query, key, value, output, ffnNorm, gate, up, down, null, null, null, null, null);
    }

    /** A block with optional query/key/value biases and head norms, no norms after attention or feed-forward. */
    public LayerWeights(
            FloatTensor attentionNorm,
            FloatTensor query,
            FloatTensor key,
            FloatTensor value,
            FloatTensor output,
            FloatTensor ffnNorm,
            FloatTensor gate,
            FloatTensor up,
            FloatTensor down,
            FloatTensor qkvBias,
            FloatTensor queryNorm,
            FloatTensor keyNorm) {
        this(
                attentionNorm,
                query,
                key,
                value,
                output,
                ffnNorm,
                gate,
                up,
                down,
                qkvBias,
                queryNorm,
                keyNorm,
                null,
                null);
    }

    /** The norms and projections every block has, in the order base model digests hash them. */
    public List<FloatTensor> matrices() {
        return List.of(attentionNorm, query, key, value, output, ffnNorm, gate, up, down);
    }

    /** The optional tensors the block has (biases, head norms, norms after attention and feed-forward), in that order. */
    public List<FloatTensor> extras() {
        return java.util.stream.Stream.of(qkvBias, queryNorm, keyNorm, postAttentionNorm, postFeedForwardNorm)
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    void validate(LlamaConfig c) {
        attentionNorm.requireShape(c.dim());
        query.requireShape(c.queryDim(), c.dim());
        key.requireShape(c.kvDim(), c.dim());
        value.requireShape(c.kvDim(), c.dim());
        output.requireShape(c.dim(), c.queryDim());
        ffnNorm.requireShape(c.dim());
        gate.requireShape(c.hiddenDim(), c.dim());
        up.requireShape(c.hiddenDim(), c.dim());
        down.requireShape(c.dim(), c.hiddenDim());
        if (qkvBias != null) {
            qkvBias.requireShape(c.queryDim() + 2 * c.kvDim());
        }
        if ((queryNorm == null) != (keyNorm == null)) {
            throw new IllegalArgumentException("a block has query head norms or key head norms, not one of them");
        }
        if (queryNorm != null) {
            queryNorm.requireShape(c.headDim());
            keyNorm.requireShape(c.headDim());
        }
        if ((postAttentionNorm != null) != (c.gemma() != null)
                || (postFeedForwardNorm != null) != (c.gemma() != null)) {
            throw new IllegalArgumentException(
                    "norms after attention and feed-forward come with Gemma, and only with it");
        }
        if (postAttentionNorm != null) {
            postAttentionNorm.requireShape(c.dim());
            postFeedForwardNorm.requireShape(c.dim());
        }
    }
}
