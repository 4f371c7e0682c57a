package io.swapgate.registry.training;

import io.swapgate.core.training.EvalMetrics;

/**
 * Whether a newly trained version replaces the current one. Its held-out loss must be at least {@code margin}
 * (relative) below the current version's. On a task with exact answers (either version reproduces some held-out
 * completion exactly under greedy decoding) it must also get more of them right: random or contradicting labels
 * lower the loss by teaching the model to hedge, but they teach it no more right answers. And on the examples the
 * current version was evaluated on it must not be worse by more than {@code tolerance} nats per token, so new
 * examples cannot quietly undo what the adapter had learned.
 */
public record EvaluationGate(double margin, double tolerance) {

    /** The verdict and the reason recorded with the version. */
    public record Decision(boolean promote, String reason) {}

    /**
     * @param candidateOnPrior the candidate on the current version's own held-out examples, or null when there are none
     */
    public Decision decide(EvalMetrics candidate, EvalMetrics current, EvalMetrics candidateOnPrior, EvalMetrics currentOnPrior) {
        if (candidate.loss() > current.loss() * (1 - margin)) {
            return new Decision(false, String.format("held-out loss %.4f is not %.0f%% below the current %.4f",
                    candidate.loss(), margin * 100, current.loss()));
        }
        if ((candidate.exactMatch() > 0 || current.exactMatch() > 0) && candidate.exactMatch() <= current.exactMatch()) {
            return new Decision(false, String.format("exact match %.2f is not above the current %.2f: on a task with exact"
                    + " answers a new version must get more of them right", candidate.exactMatch(), current.exactMatch()));
        }
        if (candidateOnPrior != null && candidateOnPrior.loss() > currentOnPrior.loss() + tolerance) {
            return new Decision(false, String.format("loss on the current version's held-out examples rose from %.4f to %.4f"
                    + " (tolerance %.3f): the new examples contradict what it learned", currentOnPrior.loss(),
                    candidateOnPrior.loss(), tolerance));
        }
        return new Decision(true, String.format("held-out loss %.4f -> %.4f, exact match %.2f -> %.2f", current.loss(),
                candidate.loss(), current.exactMatch(), candidate.exactMatch()));
    }
}
