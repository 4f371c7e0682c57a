package io.swapgate.core.model;

import java.util.List;

/**
 * Shape and hyper-parameters of a Llama-architecture decoder (RMSNorm, RoPE, grouped-query attention, SwiGLU), with
 * Gemma's departures where {@link #gemma} is set.
 *
 * @param headDim each attention head's width; dim / heads for most models, larger for Gemma and Qwen3 0.6B
 * @param contextLength the longest sequence the model was trained for (positions 0 .. contextLength-1)
 * @param ropeScaling Llama 3 style frequency scaling, or null for plain RoPE
 * @param sharedClassifier whether the output classifier reuses the token embedding matrix
 * @param gemma Gemma 2/3's scaled embeddings, GeGLU, extra norms, soft-capping and sliding-window layers, or null
 * @param ropeFrequencyFactors per rope frequency [headDim / 2], what it is divided by (a GGUF {@code rope_freqs}
 *     tensor: Llama 3.1's scaling as llama.cpp's converter writes it), or null
 */
public record LlamaConfig(
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float normEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        boolean sharedClassifier,
        Gemma gemma,
        List<Float> ropeFrequencyFactors) {

    public LlamaConfig {
        require(dim > 0, "dim must be positive, got " + dim);
        require(hiddenDim > 0, "hidden_dim must be positive, got " + hiddenDim);
        require(layers > 0, "n_layers must be positive, got " + layers);
        require(heads > 0, "n_heads must be positive, got " + heads);
        require(kvHeads > 0 && heads % kvHeads == 0, "n_heads " + heads + " is not divisible by n_kv_heads " + kvHeads);
        require(headDim > 0 && headDim % 2 == 0, "head size " + headDim + " must be positive and even for RoPE");
        require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
        require(contextLength > 0, "context length must be positive, got " + contextLength);
        require(normEps > 0 && Float.isFinite(normEps), "rms_norm_eps must be positive, got " + normEps);
        require(ropeTheta > 0 && Float.isFinite(ropeTheta), "rope_theta must be positive, got " + ropeTheta);
        if (ropeFrequencyFactors != null) {
            ropeFrequencyFactors = List.copyOf(ropeFrequencyFactors);
            require(ropeFrequencyFactors.size() == headDim / 2, "rope frequency factors must number headDim / 2");
            require(
                    ropeFrequencyFactors.stream().allMatch(f -> f > 0 && Float.isFinite(f)),
                    "rope frequency factors must be positive");
        }
    }

    /** A Llama whose head size is dim / heads. */
    public LlamaConfig(
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
        this(
                dim,
                hiddenDim,
                layers,
                heads,
                kvHeads,
                evenSplit(dim, heads),
                vocabSize,
                contextLength,
                normEps,
                ropeTheta,
                ropeScaling,
                sharedClassifier,
                null,
                null);
    }

    /** Width of all query heads together: the query projection's outputs and the attention output's inputs. */
    public int queryDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** How many query heads share one key/value head. */
    public int queriesPerKvHead() {
        return heads / kvHeads;
    }

    /** What attention scores are multiplied by: 1/sqrt(headDim), or Gemma's query_pre_attn_scalar^-1/2. */
    public double attentionScale() {
        return 1.0 / Math.sqrt(gemma == null ? headDim : gemma.queryPreAttentionScalar());
    }

    /** How far back a sliding layer's queries see, or 0 when no layer slides. */
    public int slidingWindow() {
        return gemma == null ? 0 : gemma.slidingWindow();
    }

    /** Whether {@code layer} attends over a sliding window rather than the whole history. */
    public boolean slidingLayer(int layer) {
        return slidingWindow() > 0 && (layer + 1) % gemma.slidingPattern() != 0;
    }

    /** Weight count of the base model (embedding, blocks, final norm and, when not shared, the classifier). */
    public long parameterCount() {
        long norms = gemma == null ? 2L * dim : 4L * dim;
        long perLayer = norms + 2L * dim * queryDim() + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        long classifier = sharedClassifier ? 0 : (long) vocabSize * dim;
        return (long) vocabSize * dim + layers * perLayer + dim + classifier;
    }

    /**
     * The record's usual text, without the head size when it is dim / heads and without Gemma's traits or rope frequency
     * factors when absent:
     * base model digests hash this text, and adapters bound to a model before these fields existed must still load.
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("LlamaConfig[dim=").append(dim);
        text.append(", hiddenDim=").append(hiddenDim);
        text.append(", layers=").append(layers);
        text.append(", heads=").append(heads);
        text.append(", kvHeads=").append(kvHeads);
        if (headDim * heads != dim) {
            text.append(", headDim=").append(headDim);
        }
        text.append(", vocabSize=").append(vocabSize);
        text.append(", contextLength=").append(contextLength);
        text.append(", normEps=").append(normEps);
        text.append(", ropeTheta=").append(ropeTheta);
        text.append(", ropeScaling=").append(ropeScaling);
        text.append(", sharedClassifier=").append(sharedClassifier);
        if (gemma != null) {
            text.append(", gemma=").append(gemma);
        }
        if (ropeFrequencyFactors != null) {
            text.append(", ropeFrequencyFactors=").append(ropeFrequencyFactors);
        }
        return text.append(']').toString();
    }

    private static int evenSplit(int dim, int heads) {
        require(heads > 0 && dim % heads == 0, "dim " + dim + " is not divisible by n_heads " + heads);
        return dim / heads;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid model config: " + message);
        }
    }

    /** Llama 3.1 RoPE frequency scaling ("rope_type": "llama3"). */
    public record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {}

    /**
     * Gemma 2/3 beside Llama: embeddings scaled by sqrt(dim), GeGLU (tanh GELU) in place of SwiGLU, norms after
     * attention and after the feed-forward as well as before, and:
     *
     * @param queryPreAttentionScalar attention scores are scaled by its inverse square root
     * @param attentionSoftCap scores become cap * tanh(score / cap) (Gemma 2: 50), or 0 for none
     * @param finalSoftCap the same for logits (Gemma 2: 30), or 0
     * @param slidingWindow how far back a sliding layer's queries see (a key at distance >= window is hidden), or 0
     * @param slidingPattern every this-many-th layer attends globally, the rest slide (Gemma 2: 2, Gemma 3: 6)
     * @param localRopeTheta the rope base of sliding layers (Gemma 3: 10000; Gemma 2: the global base)
     * @param ropeLinearFactor global layers divide positions by it (Gemma 3 4B and up: 8), 1 for none
     */
    public record Gemma(
            float queryPreAttentionScalar,
            float attentionSoftCap,
            float finalSoftCap,
            int slidingWindow,
            int slidingPattern,
            float localRopeTheta,
            float ropeLinearFactor) {

        public Gemma {
            require(queryPreAttentionScalar > 0, "query_pre_attn_scalar must be positive");
            require(attentionSoftCap >= 0 && finalSoftCap >= 0, "soft caps must not be negative");
            require(slidingWindow >= 0 && slidingPattern > 0, "sliding window and pattern must be positive");
            require(localRopeTheta > 0 && ropeLinearFactor > 0, "rope bases and factors must be positive");
        }
    }
}
