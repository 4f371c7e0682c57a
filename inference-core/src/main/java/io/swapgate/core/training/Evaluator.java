package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.runtime.SequenceForward;
import java.util.List;

/** Scores adapters (or the base model alone) on held-out examples, a few examples per engine task. */
public final class Evaluator {

    private static final int EXAMPLES_PER_TASK = 16;

    private final SequenceForward forward;
    private final TargetLosses losses;
    private final EngineThread engine;

    public Evaluator(SequenceForward forward, EngineThread engine) {
        this.forward = forward;
        this.losses = new TargetLosses(forward);
        this.engine = engine;
    }

    /** Metrics of the base model with {@code adapter} (null: the base alone) on the examples. */
    public EvalMetrics evaluate(Adapter adapter, List<TokenizedExample> examples) throws Exception {
        if (adapter == null) {
            return metrics(Trainables.served(null, losses), examples);
        }
        try (Trainable trainable = Trainables.from(adapter, forward)) {
            return metrics(Trainables.served(trainable, losses), examples);
        }
    }

    EvalMetrics metrics(ServedLogits served, List<TokenizedExample> examples) throws Exception {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to evaluate on");
        }
        double nll = 0;
        int tokens = 0;
        int exact = 0;
        for (int from = 0; from < examples.size(); from += EXAMPLES_PER_TASK) {
            TokenBatch batch = TokenBatch.of(examples.subList(from, Math.min(examples.size(), from + EXAMPLES_PER_TASK)));
            double[] sums = engine.run(() -> score(served, batch));
            nll += sums[0];
            tokens += batch.targets().length;
            exact += (int) sums[1];
        }
        return new EvalMetrics(nll / tokens, (double) exact / examples.size(), examples.size(), tokens);
    }

    /** {summed NLL, examples whose every target is the argmax}. */
    private double[] score(ServedLogits served, TokenBatch batch) {
        try (NDManager scope = NDManager.newBaseManager(forward.device())) {
            NDArray logits = served.of(batch, scope);
            float[] nll = TargetLosses.negativeLogLikelihood(batch, logits, scope).toFloatArray();
            long[] argMax = logits.argMax(-1).toLongArray();
            boolean[] missed = new boolean[batch.size()];
            double sum = 0;
            for (int i = 0; i < nll.length; i++) {
                sum += nll[i];
                if (argMax[i] != batch.targets()[i]) {
                    missed[batch.exampleOfTarget()[i]] = true;
                }
            }
            int exact = 0;
            for (boolean m : missed) {
                exact += m ? 0 : 1;
            }
            return new double[] {sum, exact};
        }
    }
}
