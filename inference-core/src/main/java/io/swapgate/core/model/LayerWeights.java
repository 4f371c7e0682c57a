package io.swapgate.core.model;

/**
 * One transformer block. Projection matrices are [out, in] (y = W x) in Hugging Face layout,
 * i.e. query and key rows ordered for the "rotate half" form of RoPE.
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
        FloatTensor down) {

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
    }
}
