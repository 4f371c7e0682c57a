package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.runtime.SequenceHooks;

/**
 * What losses are computed from: the logits of the positions that predict a batch's targets, with an adapter's hooks
 * or a TempNet's input, and the TempNet's DRO loss.
 */
final class TargetLosses {

    private final SequenceForward forward;

    TargetLosses(SequenceForward forward) {
        this.forward = forward;
    }

    /** Logits [targets, vocab] (float32) of the positions that predict the batch's targets. */
    NDArray logits(TokenBatch batch, SequenceHooks hooks, NDManager scope) {
        return forward.logits(batch.predictingRows(forward.hidden(batch.rows(), hooks, scope), scope));
    }

    /** What a TempNet reads at each target's position: the logits, or the final hidden state. */
    NDArray tempNetInput(TokenBatch batch, TempNetAdapter.Input input, NDManager scope, NDArray[] logitsOut) {
        NDArray hidden = batch.predictingRows(forward.hidden(batch.rows(), SequenceHooks.NONE, scope), scope);
        logitsOut[0] = forward.logits(hidden);
        return input == TempNetAdapter.Input.LOGITS ? logitsOut[0] : hidden.toType(DataType.FLOAT32, false);
    }

    /**
     * The KL-constrained DRO loss per target (Qiu et al. 2024):
     * tau · log((1/V) · sum_j exp((s_j − s_y) / tau)) + tau · rho, with s the base logits and tau [targets, 1].
     */
    static NDArray distributionallyRobust(TokenBatch batch, NDArray logits, NDArray tau, double rho, NDManager scope) {
        NDArray targetLogit = logits.gather(scope.create(batch.targets()).reshape(-1, 1), 1);
        NDArray scaled = logits.sub(targetLogit).div(tau);
        long vocab = logits.getShape().get(1);
        NDArray logMeanExp = logSumExp(scaled).sub(Math.log((double) vocab));
        return tau.reshape(-1).mul(logMeanExp.add(rho));
    }

    /** log sum_j exp(x_j) per row of [n, V], as x_0 − logSoftmax(x)_0. */
    private static NDArray logSumExp(NDArray x) {
        return x.get(":, 0").sub(x.logSoftmax(-1).get(":, 0"));
    }
}
