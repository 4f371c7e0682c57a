package io.swapgate.core.model;

/**
 * Shape and hyper-parameters of a Llama-architecture decoder (RMSNorm, RoPE, grouped-query attention, SwiGLU).
 *
 * @param contextLength the longest sequence the model was trained for (positions 0 .. contextLength-1)
 * @param ropeScaling Llama 3 style frequency scaling, or null for plain RoPE
 * @param sharedClassifier whether the output classifier reuses the token embedding matrix
 */
public record LlamaConfig(
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int vocabSize,
        int contextLength,
        float normEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        boolean sharedClassifier) {

    public LlamaConfig {
        require(dim > 0, "dim must be positive, got " + dim);
        require(hiddenDim > 0, "hidden_dim must be positive, got " + hiddenDim);
        require(layers > 0, "n_layers must be positive, got " + layers);
        require(heads > 0 && dim % heads == 0, "dim " + dim + " is not divisible by n_heads " + heads);
        require(kvHeads > 0 && heads % kvHeads == 0, "n_heads " + heads + " is not divisible by n_kv_heads " + kvHeads);
        require((dim / heads) % 2 == 0, "head size " + (dim / heads) + " must be even for RoPE");
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(contextLength > 0, "context length must be positive, got " + contextLength);
        require(normEps > 0 && Float.isFinite(normEps), "rms_norm_eps must be positive, got " + normEps);
        require(ropeTheta > 0 && Float.isFinite(ropeTheta), "rope_theta must be positive, got " + ropeTheta);
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** How many query heads share one key/value head. */
    public int queriesPerKvHead() {
        return heads / kvHeads;
    }

    /** Weight count of the base model (embedding, blocks, final norm and, when not shared, the classifier). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        long classifier = sharedClassifier ? 0 : (long) vocabSize * dim;
        return (long) vocabSize * dim + layers * perLayer + dim + classifier;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }

    /** Llama 3.1 RoPE frequency scaling ("rope_type": "llama3"). */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}
}
