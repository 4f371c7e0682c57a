package io.swapgate.core.training;

import ai.djl.ndarray.NDArray;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.PrefixAdapter;
import io.swapgate.core.adapter.PromptAdapter;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.SplittableRandom;

/** Makes trainables, new or from a published adapter, and says what each serves and minimises. */
final class Trainables {

    private Trainables() {}

    /** A new adapter of the config's kind; needs the engine thread (prompt tuning reads the base's embeddings). */
    static Trainable fresh(TrainingConfig config, SequenceForward forward, SplittableRandom random) {
        LlamaConfig base = forward.config();
        return switch (config.kind()) {
            case LORA -> TrainableLora.fresh(forward.device(), base, config, random);
            case PREFIX -> TrainablePrefix.fresh(forward.device(), base, config.virtualTokens(), random);
            case PROMPT -> {
                int[] tokens = new int[config.virtualTokens()];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = 3 + random.nextInt(base.vocabSize() - 3); // past the special tokens
                }
                yield TrainablePrompt.fresh(forward.device(), forward.embeddings(tokens), tokens.length, base.dim());
            }
            case TEMPNET ->
                TrainableTempNet.fresh(
                        forward.device(),
                        config,
                        config.tempNetInput() == TempNetAdapter.Input.LOGITS ? base.vocabSize() : base.dim(),
                        random);
        };
    }

    /** The adapter's values as parameters: to train further, or to evaluate. */
    static Trainable from(Adapter adapter, SequenceForward forward) {
        if (adapter instanceof LoraAdapter lora) {
            return TrainableLora.from(forward.device(), lora);
        } else if (adapter instanceof PromptAdapter prompt) {
            return TrainablePrompt.from(forward.device(), prompt);
        } else if (adapter instanceof PrefixAdapter prefix) {
            return TrainablePrefix.from(forward.device(), prefix);
        }
        return TrainableTempNet.from(forward.device(), (TempNetAdapter) adapter);
    }

    /** What serving samples from with the trainable (null: the base model alone at temperature 1). */
    static ServedLogits served(Trainable trainable, TargetLosses losses) {
        if (trainable instanceof TrainableTempNet tempNet) {
            return (batch, scope) -> {
                tempNet.parameters().lendTo(scope);
                NDArray[] logits = new NDArray[1];
                NDArray z = losses.tempNetInput(batch, tempNet.input(), scope, logits);
                return logits[0].div(tempNet.temperatures(z));
            };
        }
        SequenceHooks hooks = trainable == null ? SequenceHooks.NONE : (SequenceHooks) trainable;
        return (batch, scope) -> {
            if (trainable != null) {
                trainable.parameters().lendTo(scope);
            }
            return losses.logits(batch, hooks, scope);
        };
    }

    /**
     * The summed loss training minimises: the batch's {@link SignalLoss} under what serving samples from, or for a
     * TempNet trained with {@link TempNetObjective#DRO} its DRO loss with radius {@code config.rho()}.
     */
    static BatchLoss objective(
            Trainable trainable, TargetLosses losses, TrainingConfig config, ReferenceLogProbabilities reference) {
        if (trainable instanceof TrainableTempNet tempNet && config.tempNetObjective() == TempNetObjective.DRO) {
            tempNet.trainWithRho(config.rho());
            return (batch, scope) -> {
                tempNet.parameters().lendTo(scope);
                NDArray[] logits = new NDArray[1];
                NDArray z = losses.tempNetInput(batch, tempNet.input(), scope, logits);
                return TargetLosses.distributionallyRobust(
                                batch, logits[0], tempNet.temperatures(z), config.rho(), scope)
                        .sum();
            };
        }
        if (trainable instanceof TrainableTempNet tempNet) {
            tempNet.trainWithRho(Float.NaN);
        }
        ServedLogits served = served(trainable, losses);
        return (batch, scope) -> SignalLoss.of(
                batch,
                batch.targetLogProbabilities(served.of(batch, scope).logSoftmax(-1), scope),
                reference.rowsOf(batch),
                scope);
    }
}
