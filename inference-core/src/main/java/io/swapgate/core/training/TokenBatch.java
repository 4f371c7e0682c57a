package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * Examples batched for a whole-sequence forward pass, with where the loss looks: for each completion token, the flat
 * position [row * width + t] of the token before it (whose output predicts it) and the token itself.
 */
record TokenBatch(int[][] rows, int width, long[] predictors, long[] targets, int[] exampleOfTarget) {

    static TokenBatch of(List<TokenizedExample> examples) {
        int width = examples.stream().mapToInt(e -> e.tokens().length).max().orElse(0);
        int count = examples.stream().mapToInt(TokenizedExample::targets).sum();
        int[][] rows = new int[examples.size()][];
        long[] predictors = new long[count];
        long[] targets = new long[count];
        int[] exampleOf = new int[count];
        int i = 0;
        for (int r = 0; r < rows.length; r++) {
            TokenizedExample example = examples.get(r);
            rows[r] = example.tokens();
            for (int t = example.promptLength(); t < example.tokens().length; t++) {
                predictors[i] = (long) r * width + t - 1;
                targets[i] = example.tokens()[t];
                exampleOf[i++] = r;
            }
        }
        return new TokenBatch(rows, width, predictors, targets, exampleOf);
    }

    int size() {
        return rows.length;
    }

    /** The rows of hidden states [rows, width, dim] that predict the targets, as [targets, dim]. */
    NDArray predictingRows(NDArray hidden, NDManager scope) {
        long dim = hidden.getShape().get(2);
        return hidden.reshape(-1, dim).get(new NDIndex("{}", scope.create(predictors)));
    }

    /** Each target's log-probability under the log-softmax {@code logProbabilities} [targets, vocab]. */
    NDArray targetLogProbabilities(NDArray logProbabilities, NDManager scope) {
        return logProbabilities.gather(scope.create(targets).reshape(-1, 1), 1).reshape(-1);
    }
}
