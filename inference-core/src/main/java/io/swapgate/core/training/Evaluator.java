package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.runtime.OwnedScalar;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.List;

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
        return metrics((batch, scope) -> losses.logits(batch, SequenceHooks.NONE, scope)
                .div(OwnedScalar.of(scope, temperature)), examples);
    }

    /**
     * The fixed temperature in [min, max] (on a log grid) under which the base model alone best predicts the
     * examples: what a TempNet has to beat, since a tenant could simply ask for that temperature.
     */
    public FixedTemperature bestFixedTemperature(List<TokenizedExample> examples, double min, double max) throws Exception {
        double[] temperatures = new double[SWEEP_POINTS];
        for (int i = 0; i < SWEEP_POINTS; i++) {
            temperatures[i] = min * Math.pow(max / min, (double) i / (SWEEP_POINTS - 1));
        }
        double[] nll = new double[SWEEP_POINTS];
        double[] entropy = new double[SWEEP_POINTS];
        int targets = 0;
        for (int from = 0; from < examples.size(); from += EXAMPLES_PER_TASK) {
            TokenBatch batch = TokenBatch.of(examples.subList(from, Math.min(examples.size(), from + EXAMPLES_PER_TASK)));
            engine.run(() -> sweep(batch, temperatures, nll, entropy));
            targets += batch.targets().length;
        }
        int best = 0;
        for (int i = 1; i < SWEEP_POINTS; i++) {
            best = nll[i] < nll[best] ? i : best;
        }
        return new FixedTemperature(temperatures[best], nll[best] / targets, entropy[best] / targets);
    }

    /** Adds the batch's summed NLL and entropy at each temperature. */
    private Void sweep(TokenBatch batch, double[] temperatures, double[] nll, double[] entropy) {
        try (NDManager scope = NDManager.newBaseManager(forward.device())) {
            NDArray logits = losses.logits(batch, SequenceHooks.NONE, scope);
            for (int i = 0; i < temperatures.length; i++) {
                NDArray logProbabilities = logits.div(OwnedScalar.of(scope, temperatures[i])).logSoftmax(-1);
                nll[i] -= batch.targetLogProbabilities(logProbabilities, scope).sum().getFloat();
                entropy[i] -= logProbabilities.exp().mul(logProbabilities).sum().getFloat();
            }
            return null;
        }
    }

    EvalMetrics metrics(ServedLogits served, List<TokenizedExample> examples) throws Exception {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate on");
        }
        Scores total = new Scores();
        for (int from = 0; from < examples.size(); from += EXAMPLES_PER_TASK) {
            TokenBatch batch = TokenBatch.of(examples.subList(from, Math.min(examples.size(), from + EXAMPLES_PER_TASK)));
            engine.run(() -> score(served, batch, total));
        }
        return new EvalMetrics(total.nll / total.tokens, (double) total.exact / examples.size(), total.calibrationError(),
                examples.size(), total.tokens);
    }

    /** Sums over batches: NLL, exact examples, and the reliability diagram's bins. */
    private static final class Scores {
        double nll;
        int tokens;
        int exact;
        final int[] binCount = new int[CALIBRATION_BINS];
        final double[] binConfidence = new double[CALIBRATION_BINS];
        final int[] binCorrect = new int[CALIBRATION_BINS];

        double calibrationError() {
            double error = 0;
            for (int b = 0; b < CALIBRATION_BINS; b++) {
                error += Math.abs(binCorrect[b] - binConfidence[b]);
            }
            return error / tokens;
        }
    }

    private Void score(ServedLogits served, TokenBatch batch, Scores total) {
        try (NDManager scope = NDManager.newBaseManager(forward.device())) {
            NDArray logits = served.of(batch, scope);
            NDArray logProbabilities = logits.logSoftmax(-1);
            float[] nll = TargetLosses.negativeLogLikelihood(batch, logits, scope).toFloatArray();
            float[] confidence = logProbabilities.max(new int[] {-1}).exp().toFloatArray();
            long[] argMax = logits.argMax(-1).toLongArray();
            boolean[] missed = new boolean[batch.size()];
            for (int i = 0; i < nll.length; i++) {
                boolean correct = argMax[i] == batch.targets()[i];
                total.nll += nll[i];
                int bin = Math.min(CALIBRATION_BINS - 1, (int) (confidence[i] * CALIBRATION_BINS));
                total.binCount[bin]++;
                total.binConfidence[bin] += confidence[i];
                total.binCorrect[bin] += correct ? 1 : 0;
                missed[batch.exampleOfTarget()[i]] |= !correct;
            }
            total.tokens += nll.length;
            for (boolean m : missed) {
                total.exact += m ? 0 : 1;
            }
            return null;
        }
    }
}
