package io.swapgate.core.training;

import io.swapgate.core.model.LlamaConfig;

/**
 * An upper estimate of the native memory one micro-batch's forward and backward pass hold at once, and the budget a
 * job's micro-batches must fit. Autograd keeps, per layer and position, the inputs of every operation it must
 * differentiate: the two norms, q, k and v before and after rotation, the attention scores (masked, and their
 * softmax) over every key including the prefix, the attention output and its projection, and the feed-forward
 * network's gate, up, activation and product; at the end the logits of the predicted positions and their
 * log-softmax. The backward pass allocates gradients of the same order while it walks them, hence the factor 2.
 * Counted in float32, the widest type training uses.
 */
public record ActivationMemory(long budgetBytes) {

    private static final int BYTES = Float.BYTES;

    public ActivationMemory {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("the training memory budget must be positive, not " + budgetBytes);
        }
    }

    /** Bytes a micro-batch of {@code rows} examples of {@code width} positions (virtual tokens included) holds. */
    public static long bytes(LlamaConfig base, int rows, int width, int prefix, int targets) {
        long keys = (long) width + prefix;
        long perPosition = 10L * base.dim() + 4L * base.kvDim() + 5L * base.hiddenDim() + 3L * base.heads() * keys;
        long layers = (long) rows * width * perPosition * base.layers();
        long head = (long) rows * width * 2 * base.dim() + (long) targets * 3 * base.vocabSize();
        return 2 * BYTES * (layers + head);
    }

    /**
     * The largest micro-batch, at most {@code wanted} examples, whose estimate fits the budget when every sequence is
     * as long as the longest: gradients accumulate over micro-batches, so a smaller one trains the same step, only
     * slower.
     *
     * @param rowsPerExample sequences per example: 2 when a preference's chosen and rejected completions run together
     * @throws TrainingMemoryException when not even one example fits
     */
    public int microBatchSize(
            LlamaConfig base, int wanted, int longest, int rowsPerExample, int virtualTokens, int prefix) {
        int width = longest + virtualTokens;
        for (int examples = wanted; examples > 0; examples--) {
            int rows = examples * rowsPerExample;
            if (bytes(base, rows, width, prefix, rows * longest) <= budgetBytes) {
                return examples;
            }
        }
        throw new TrainingMemoryException(String.format(
                java.util.Locale.ROOT,
                "one example of %d tokens needs about %d MiB for its backward pass on this model, more than the"
                        + " training memory budget of %d MiB (swapgate.training.memory-budget): shorten the examples"
                        + " or raise the budget",
                longest,
                bytes(base, rowsPerExample, width, prefix, rowsPerExample * longest) >> 20,
                budgetBytes >> 20));
    }
}
