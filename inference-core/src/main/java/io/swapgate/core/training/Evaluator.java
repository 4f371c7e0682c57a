package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.runtime.OwnedScalar;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Scores adapters (or the base model alone) on held-out examples, a few examples per engine task. */
public final class Evaluator {

    private static final int EXAMPLES_PER_TASK = 16;
    private static final int CALIBRATION_BINS = 10;
    /** Temperatures a sweep tries: a log-spaced grid, about 8% apart over [0.05, 2]. */
    private static final int SWEEP_POINTS = 49;

    private final SequenceForward forward;
    private final TargetLosses losses;
    private final EngineThread engine;

    public Evaluator(SequenceForward forward, EngineThread engine) {
        this.forward = forward;
        this.losses = new TargetLosses(forward);
        this.engine = engine;
    }

    /** The examples in batches of {@value #EXAMPLES_PER_TASK}, one engine task each, so serving interleaves. */
    private static List<TokenBatch> batches(List<TokenizedExample> examples) {
        List<TokenBatch> batches = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += EXAMPLES_PER_TASK) {
            batches.add(TokenBatch.of(examples.subList(from, Math.min(examples.size(), from + EXAMPLES_PER_TASK))));
        }
        return batches;
    }

    /** Runs {@code work} on the engine thread in a scope of its own, closed (every tensor with it) when it ends. */
    private <T> T inScope(Function<NDManager, T> work) throws Exception {
        return engine.run(() -> {
            try (NDManager scope = NDManager.newBaseManager(forward.device())) {
                return work.apply(scope);
            }
        });
    }

    /** Metrics of the base model with {@code adapter} (null: the base alone at temperature 1) on the examples. */
    public EvalMetrics evaluate(Adapter adapter, List<TokenizedExample> examples) throws Exception {
        if (adapter == null) {
            return metrics(Trainables.served(null, losses), examples);
        }
        try (Trainable trainable = Trainables.from(adapter, forward)) {
            return metrics(Trainables.served(trainable, losses), examples);
        }
    }

    /** Metrics of the base model alone sampled at one fixed temperature. */
    public EvalMetrics evaluateAt(double temperature, List<TokenizedExample> examples) throws Exception {
        return metrics(
                (batch, scope) ->
                        losses.logits(batch, SequenceHooks.NONE, scope).div(OwnedScalar.of(scope, temperature)),
                examples);
    }

    /**
     * The fixed temperature in [min, max] (on a log grid) under which the base model alone best predicts the
     * examples' completions: what a TempNet has to beat, since a tenant could simply ask for that temperature.
     */
    public FixedTemperature bestFixedTemperature(List<TokenizedExample> all, double min, double max) throws Exception {
        List<TokenizedExample> examples =
                all.stream().filter(TokenizedExample::isLikelihood).toList();
        double[] temperatures = new double[SWEEP_POINTS];
        for (int i = 0; i < SWEEP_POINTS; i++) {
            temperatures[i] = min * Math.pow(max / min, (double) i / (SWEEP_POINTS - 1));
        }
        double[] nll = new double[SWEEP_POINTS];
        double[] entropy = new double[SWEEP_POINTS];
        int targets = 0;
        for (TokenBatch batch : batches(examples)) {
            inScope(scope -> sweep(batch, temperatures, nll, entropy, scope));
            targets += batch.targets().length;
        }
        int best = 0;
        for (int i = 1; i < SWEEP_POINTS; i++) {
            best = nll[i] < nll[best] ? i : best;
        }
        return new FixedTemperature(temperatures[best], nll[best] / targets, entropy[best] / targets);
    }

    /** Adds the batch's summed NLL and entropy at each temperature. */
    private Void sweep(TokenBatch batch, double[] temperatures, double[] nll, double[] entropy, NDManager scope) {
        NDArray logits = losses.logits(batch, SequenceHooks.NONE, scope);
        for (int i = 0; i < temperatures.length; i++) {
            NDArray logProbabilities =
                    logits.div(OwnedScalar.of(scope, temperatures[i])).logSoftmax(-1);
            nll[i] -=
                    batch.targetLogProbabilities(logProbabilities, scope).sum().getFloat();
            entropy[i] -= logProbabilities.exp().mul(logProbabilities).sum().getFloat();
        }
        return null;
    }

    /** The objective's mean per completion token over the examples (no gradients): a run's validation loss. */
    double objectiveLoss(BatchLoss objective, List<TokenizedExample> examples) throws Exception {
        double sum = 0;
        int targets = 0;
        for (TokenBatch batch : batches(examples)) {
            sum += inScope(scope -> objective.of(batch, scope).getFloat());
            targets += batch.examples().stream()
                    .mapToInt(TokenizedExample::targets)
                    .sum();
        }
        return sum / targets;
    }

    /** Each preference's chosen and rejected completions' summed log-probabilities under {@code served}. */
    ReferenceLogProbabilities referenceLogProbabilities(ServedLogits served, List<TokenizedExample> examples)
            throws Exception {
        List<TokenizedExample> preferences =
                examples.stream().filter(TokenizedExample::isPreference).toList();
        Map<String, double[]> byExample = new HashMap<>();
        for (TokenBatch batch : batches(preferences)) {
            float[] rows = inScope(scope -> rowLogProbabilities(served, batch, scope));
            for (int rejected : batch.rejectedRows()) {
                byExample.put(batch.exampleOf(rejected).id(), new double[] {rows[rejected - 1], rows[rejected]});
            }
        }
        return new ReferenceLogProbabilities(byExample);
    }

    private static float[] rowLogProbabilities(ServedLogits served, TokenBatch batch, NDManager scope) {
        NDArray logProbabilities =
                batch.targetLogProbabilities(served.of(batch, scope).logSoftmax(-1), scope);
        return batch.rowSums(logProbabilities, scope).toFloatArray();
    }

    EvalMetrics metrics(ServedLogits served, List<TokenizedExample> examples) throws Exception {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate on");
        }
        Scores total = new Scores();
        for (TokenBatch batch : batches(examples)) {
            inScope(scope -> score(served, batch, total, scope));
        }
        return new EvalMetrics(
                total.nll / total.tokens,
                (double) total.exact / total.learned,
                total.calibrationError(),
                (double) total.preferred / total.pairs,
                total.margin / total.pairs,
                total.unlearnedNll / total.unlearnedTokens,
                examples.size(),
                total.tokens);
    }

    /** Sums over batches, per signal: completions (with the reliability diagram's bins), preferences, unlearning. */
    private static final class Scores {
        double nll;
        int tokens;
        int learned;
        int exact;
        final double[] binConfidence = new double[CALIBRATION_BINS];
        final int[] binCorrect = new int[CALIBRATION_BINS];
        int pairs;
        int preferred;
        double margin;
        double unlearnedNll;
        int unlearnedTokens;

        double calibrationError() {
            double error = 0;
            for (int b = 0; b < CALIBRATION_BINS; b++) {
                error += Math.abs(binCorrect[b] - binConfidence[b]);
            }
            return error / tokens;
        }
    }

    private Void score(ServedLogits served, TokenBatch batch, Scores total, NDManager scope) {
        NDArray logits = served.of(batch, scope);
        NDArray logProbabilities = logits.logSoftmax(-1);
        NDArray targets = batch.targetLogProbabilities(logProbabilities, scope);
        float[] targetLogProbabilities = targets.toFloatArray();
        float[] confidence = logProbabilities.max(new int[] {-1}).exp().toFloatArray();
        long[] argMax = logits.argMax(-1).toLongArray();
        boolean[] missed = new boolean[batch.rowCount()];
        for (int i = 0; i < targetLogProbabilities.length; i++) {
            int row = batch.rowOfTarget()[i];
            TokenizedExample example = batch.exampleOf(row);
            if (example.isLikelihood()) {
                boolean correct = argMax[i] == batch.targets()[i];
                total.nll -= targetLogProbabilities[i];
                total.tokens++;
                int bin = Math.min(CALIBRATION_BINS - 1, (int) (confidence[i] * CALIBRATION_BINS));
                total.binConfidence[bin] += confidence[i];
                total.binCorrect[bin] += correct ? 1 : 0;
                missed[row] |= !correct;
            } else if (!example.isPreference()) {
                total.unlearnedNll -= targetLogProbabilities[i];
                total.unlearnedTokens++;
            }
        }
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.exampleOf(row).isLikelihood()) {
                total.learned++;
                total.exact += missed[row] ? 0 : 1;
            }
        }
        int[] rejectedRows = batch.rejectedRows();
        if (rejectedRows.length > 0) {
            float[] rows = batch.rowSums(targets, scope).toFloatArray();
            float[] base = rowLogProbabilities(Trainables.served(null, losses), batch, scope);
            for (int row : rejectedRows) {
                double margin = SignalLoss.DPO_BETA * ((rows[row - 1] - base[row - 1]) - (rows[row] - base[row]));
                total.pairs++;
                total.preferred += margin > 0 ? 1 : 0;
                total.margin += margin;
            }
        }
        return null;
    }
}
