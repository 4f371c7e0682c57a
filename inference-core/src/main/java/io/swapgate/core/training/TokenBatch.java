package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * Examples batched for a whole-sequence forward pass, with where the loss looks: for each completion token, the flat
 * position [row * width + t] of the token before it (whose output predicts it) and the token itself. An example is
 * one row, a preference two: its chosen completion, then its rejected one.
 *
 * @param rowOfTarget the row each target belongs to
 * @param exampleOfRow the example (index into {@code examples}) each row comes from
 * @param rejectedRow whether a row is a preference's rejected completion
 */
record TokenBatch(
        List<TokenizedExample> examples,
        int[][] rows,
        int width,
        long[] predictors,
        long[] targets,
        int[] rowOfTarget,
        int[] exampleOfRow,
        boolean[] rejectedRow) {

    static TokenBatch of(List<TokenizedExample> examples) {
        List<int[]> rows = new ArrayList<>();
        List<Integer> exampleOfRow = new ArrayList<>();
        List<Boolean> rejected = new ArrayList<>();
        for (int e = 0; e < examples.size(); e++) {
            TokenizedExample example = examples.get(e);
            rows.add(example.tokens());
            exampleOfRow.add(e);
            rejected.add(false);
            if (example.isPreference()) {
                rows.add(example.rejectedTokens());
                exampleOfRow.add(e);
                rejected.add(true);
            }
        }
        int width = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int count = 0;
        for (int r = 0; r < rows.size(); r++) {
            count += rows.get(r).length - examples.get(exampleOfRow.get(r)).promptLength();
        }
        long[] predictors = new long[count];
        long[] targets = new long[count];
        int[] rowOf = new int[count];
        int i = 0;
        for (int r = 0; r < rows.size(); r++) {
            int[] tokens = rows.get(r);
            for (int t = examples.get(exampleOfRow.get(r)).promptLength(); t < tokens.length; t++) {
                predictors[i] = (long) r * width + t - 1;
                targets[i] = tokens[t];
                rowOf[i++] = r;
            }
        }
        boolean[] rejectedRow = new boolean[rows.size()];
        for (int r = 0; r < rejectedRow.length; r++) {
            rejectedRow[r] = rejected.get(r);
        }
        return new TokenBatch(
                List.copyOf(examples),
                rows.toArray(int[][]::new),
                width,
                predictors,
                targets,
                rowOf,
                exampleOfRow.stream().mapToInt(Integer::intValue).toArray(),
                rejectedRow);
    }

    int rowCount() {
        return rows.length;
    }

    /** The rows of the preferences' rejected completions; each one's chosen completion is the row before it. */
    int[] rejectedRows() {
        return java.util.stream.IntStream.range(0, rejectedRow.length)
                .filter(r -> rejectedRow[r])
                .toArray();
    }

    /** The example a row comes from. */
    TokenizedExample exampleOf(int row) {
        return examples.get(exampleOfRow[row]);
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

    /** Per-target log-probabilities [targets] summed per row: [rows]. */
    NDArray rowSums(NDArray targetValues, NDManager scope) {
        float[] membership = new float[rows.length * targets.length];
        for (int t = 0; t < targets.length; t++) {
            membership[rowOfTarget[t] * targets.length + t] = 1;
        }
        return scope.create(membership, new ai.djl.ndarray.types.Shape(rows.length, targets.length))
                .matMul(targetValues.reshape(-1, 1))
                .reshape(-1);
    }
}
