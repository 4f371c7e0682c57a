package io.swapgate.retraining;

import io.swapgate.core.training.EvalMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a newly trained version replaces the current one, judged on the held-out examples per signal they hold:
 * <ul>
 *   <li>completions: its loss must be at least {@code margin} (relative) below the current version's, and on a task
 *       with exact answers (either version reproduces some held-out completion exactly under greedy decoding) it must
 *       get more of them right: random or contradicting labels lower the loss by teaching the model to hedge, but they
 *       teach it no more right answers;</li>
 *   <li>preferences: its reward margin over the base must be above the current version's, with a preference accuracy
 *       at least as high;</li>
 *   <li>negative feedback: the loss of the completions to unlearn must rise by at least {@code margin} (relative).</li>
 * </ul>
 * And on the examples the current version was evaluated on it must not be worse by more than {@code tolerance} nats
 * per token, so new examples cannot quietly undo what the adapter had learned.
 */
public record EvaluationGate(double margin, double tolerance) {

    /** The verdict and the reason recorded with the version. */
    public record Decision(boolean promote, String reason) {}

    /**
     * @param candidateOnPrior the candidate on the current version's own held-out examples, or null when there are none
     */
    public Decision decide(
            EvalMetrics candidate, EvalMetrics current, EvalMetrics candidateOnPrior, EvalMetrics currentOnPrior) {
        List<String> passed = new ArrayList<>();
        if (Double.isFinite(candidate.loss()) && Double.isFinite(current.loss())) {
            Optional<Decision> worse = lossNotBelow(candidate, current, "the current");
            if (worse.isPresent()) {
                return worse.get();
            }
            if ((candidate.exactMatch() > 0 || current.exactMatch() > 0)
                    && candidate.exactMatch() <= current.exactMatch()) {
                return new Decision(
                        false,
                        String.format(
                                Locale.ROOT,
                                "exact match %.2f is not above the current %.2f: on a"
                                        + " task with exact answers a new version must get more of them right",
                                candidate.exactMatch(),
                                current.exactMatch()));
            }
            passed.add(String.format(
                    Locale.ROOT,
                    "held-out loss %.4f -> %.4f, exact match %.2f -> %.2f",
                    current.loss(),
                    candidate.loss(),
                    current.exactMatch(),
                    candidate.exactMatch()));
        }
        if (Double.isFinite(candidate.preferenceAccuracy())) {
            if (!(candidate.rewardMargin() > current.rewardMargin()
                    && candidate.preferenceAccuracy() >= current.preferenceAccuracy())) {
                return new Decision(
                        false,
                        String.format(
                                Locale.ROOT,
                                "preferences: reward margin %.4f and accuracy %.2f do"
                                        + " not improve on the current %.4f and %.2f",
                                candidate.rewardMargin(),
                                candidate.preferenceAccuracy(),
                                current.rewardMargin(),
                                current.preferenceAccuracy()));
            }
            passed.add(String.format(
                    Locale.ROOT,
                    "preference accuracy %.2f -> %.2f, reward margin %.4f -> %.4f",
                    current.preferenceAccuracy(),
                    candidate.preferenceAccuracy(),
                    current.rewardMargin(),
                    candidate.rewardMargin()));
        }
        if (Double.isFinite(candidate.unlearnedLoss())) {
            if (!(candidate.unlearnedLoss() >= current.unlearnedLoss() * (1 + margin))) {
                return new Decision(
                        false,
                        String.format(
                                Locale.ROOT,
                                "negative feedback: the loss of completions to unlearn"
                                        + " %.4f is not %.0f%% above the current %.4f",
                                candidate.unlearnedLoss(),
                                margin * 100,
                                current.unlearnedLoss()));
            }
            passed.add(String.format(
                    Locale.ROOT,
                    "loss of completions to unlearn %.4f -> %.4f",
                    current.unlearnedLoss(),
                    candidate.unlearnedLoss()));
        }
        return keepsWhatItLearned(candidateOnPrior, currentOnPrior)
                .orElse(new Decision(true, String.join("; ", passed)));
    }

    /**
     * A TempNet's verdict. A temperature never changes which token is likeliest, so exact match says nothing here;
     * what a TempNet must beat is the best single temperature a tenant could simply ask for, chosen on the training
     * split and scored on the held-out one, as well as the current version.
     *
     * @param fixed the base model at {@code fixedTemperature} on the held-out examples
     */
    public Decision decideTempNet(
            EvalMetrics candidate,
            EvalMetrics current,
            EvalMetrics fixed,
            double fixedTemperature,
            EvalMetrics candidateOnPrior,
            EvalMetrics currentOnPrior) {
        String fixedName = String.format(
                Locale.ROOT,
                "that of the best fixed temperature %.2f (chosen on the training" + " split),",
                fixedTemperature);
        return lossNotBelow(candidate, fixed, fixedName)
                .or(() -> lossNotBelow(candidate, current, "the current"))
                .or(() -> keepsWhatItLearned(candidateOnPrior, currentOnPrior))
                .orElse(new Decision(
                        true,
                        String.format(
                                Locale.ROOT,
                                "held-out loss %.4f against %.4f at the best fixed"
                                        + " temperature %.2f and %.4f for the current",
                                candidate.loss(),
                                fixed.loss(),
                                fixedTemperature,
                                current.loss())));
    }

    /** A refusal when the candidate's held-out loss is not {@code margin} below {@code other}'s. */
    private Optional<Decision> lossNotBelow(EvalMetrics candidate, EvalMetrics other, String otherName) {
        if (candidate.loss() <= other.loss() * (1 - margin)) {
            return Optional.empty();
        }
        return Optional.of(new Decision(
                false,
                String.format(
                        Locale.ROOT,
                        "held-out loss %.4f is not %.0f%% below %s %.4f",
                        candidate.loss(),
                        margin * 100,
                        otherName,
                        other.loss())));
    }

    private Optional<Decision> keepsWhatItLearned(EvalMetrics candidateOnPrior, EvalMetrics currentOnPrior) {
        if (candidateOnPrior != null && candidateOnPrior.loss() > currentOnPrior.loss() + tolerance) {
            return Optional.of(new Decision(
                    false,
                    String.format(
                            Locale.ROOT,
                            "loss on the current version's held-out"
                                    + " examples rose from %.4f to %.4f (tolerance %.3f): the new examples contradict what it learned",
                            currentOnPrior.loss(),
                            candidateOnPrior.loss(),
                            tolerance)));
        }
        return Optional.empty();
    }
}
