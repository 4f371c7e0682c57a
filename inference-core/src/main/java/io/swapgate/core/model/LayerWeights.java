package io.swapgate.core.model;

/**
 * One transformer block. Projection matrices are [out, in] (y = W x) in Hugging Face layout,
 * i.e. query and key rows ordered for the "rotate half" form of RoPE.
 *
 * @param qkvBias the query, key and value projections' biases end to end [dim + 2 kvDim] (Qwen2's), or null for none
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
        FloatTensor qkvBias) {

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
        this(attentionNorm, query, key, value, output, ffnNorm, gate, up, down, null);
    }

    void validate(LlamaConfig c) {
        attentionNorm.requireShape(c.dim());
        query.requireShape(c.dim(), c.dim());
        key.requireShape(c.kvDim(), c.dim());
        value.requireShape(c.kvDim(), c.dim());
        output.requireShape(c.dim(), c.dim());
        ffnNorm.requireShape(c.dim());
        gate.requireShape(c.hiddenDim(), c.dim());
        up.requireShape(c.hiddenDim(), c.dim());
        down.requireShape(c.dim(), c.hiddenDim());
        if (qkvBias != null) {
            qkvBias.requireShape(c.dim() + 2 * c.kvDim());
        }
    }
}
