package io.swapgate.core.training;

import java.util.List;

/** AdamW's state after {@code steps} updates: its first and second moment estimates, one array per parameter. */
public record OptimizerState(int steps, List<float[]> firstMoments, List<float[]> secondMoments) {

    public OptimizerState {
        firstMoments = List.copyOf(firstMoments);
        secondMoments = List.copyOf(secondMoments);
    }
}
