package io.swapgate.retraining;

/**
 * The shape a job gives a LoRA it trains afresh: its rank, and with {@code minRank} above 0 a DyLoRA servable at any
 * rank from {@code minRank} to {@code rank}.
 */
public record LoraShape(int rank, int minRank) {

    public LoraShape {
        if (rank <= 0 || minRank < 0 || minRank > rank) {
            throw new IllegalArgumentException(
                    "a LoRA's rank must be positive and a DyLoRA's smallest rank between 1 and" + " the rank, got rank "
                            + rank + " and smallest rank " + minRank);
        }
    }
}
