package io.swapgate.core.training;

import java.util.Map;

/**
 * DPO's reference: each preference's chosen and rejected completions' summed log-probabilities under the model the
 * run started from (the version it continues, or the base), computed once before the first step.
 */
record ReferenceLogProbabilities(Map<String, double[]> byExample) {

    ReferenceLogProbabilities {
        byExample = Map.copyOf(byExample);
    }

    /** Per row of the batch: its reference log-probability (0 for rows that are not a preference's). */
    double[] rowsOf(TokenBatch batch) {
        double[] rows = new double[batch.rowCount()];
        for (int r = 0; r < rows.length; r++) {
            TokenizedExample example = batch.exampleOf(r);
            if (example.isPreference()) {
                double[] pair = byExample.get(example.id());
                if (pair == null) {
                    throw new IllegalStateException("no reference log-probabilities for preference " + example.id());
                }
                rows[r] = pair[batch.rejectedRow()[r] ? 1 : 0];
            }
        }
        return rows;
    }
}
