package io.swapgate.core.training;

import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.TempNetAdapter;
import java.util.EnumSet;
import java.util.Set;

/**
 * What to train and how. Shape fields apply to a new adapter; one trained further keeps its parent's shape.
 *
 * @param dyLoraMin with a value above 0, a DyLoRA over ranks [dyLoraMin, rank]
 * @param batchSize examples per optimizer step, in micro-batches of {@code microBatchSize} (one engine task each)
 * @param evalEvery steps between validation passes (early stopping with {@code patience} passes without improvement)
 * @param validationFraction training examples kept aside for early stopping (none below 10 examples)
 * @param tempNetObjective what a TempNet minimises
 * @param rho the DRO loss's KL radius; NaN chooses it by the target-entropy rule ({@link TempNetObjective#DRO})
 */
public record TrainingConfig(
        AdapterKind kind,
        int rank,
        float alpha,
        boolean rsLora,
        int dyLoraMin,
        Set<LoraModule> targets,
        int virtualTokens,
        TempNetAdapter.Input tempNetInput,
        int tempNetHidden,
        float tauMin,
        float tauMax,
        TempNetObjective tempNetObjective,
        float rho,
        int maxSteps,
        int batchSize,
        int microBatchSize,
        double learningRate,
        double weightDecay,
        int warmupSteps,
        double clipNorm,
        int evalEvery,
        int patience,
        double validationFraction,
        int maxTokens,
        long seed) {

    public TrainingConfig {
        // In the enum's order, so the config prints the same in every JVM (it is part of a run's fingerprint).
        targets = targets.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(EnumSet.copyOf(targets));
        if (maxSteps <= 0
                || batchSize <= 0
                || microBatchSize <= 0
                || !(learningRate > 0)
                || evalEvery <= 0
                || patience <= 0
                || validationFraction < 0
                || validationFraction >= 1
                || maxTokens < 2) {
            throw new IllegalArgumentException("invalid training config: " + this);
        }
        if (kind == AdapterKind.LORA && (rank <= 0 || targets.isEmpty() || dyLoraMin > rank)) {
            throw new IllegalArgumentException("a LoRA needs a positive rank, target modules and r_min <= rank");
        }
        if ((kind == AdapterKind.PROMPT || kind == AdapterKind.PREFIX) && virtualTokens <= 0) {
            throw new IllegalArgumentException("prompt and prefix tuning need virtual tokens");
        }
        if (kind == AdapterKind.TEMPNET && !(tauMin > 0 && tauMax > tauMin && !(rho <= 0) && tempNetHidden > 0)) {
            throw new IllegalArgumentException(
                    "a TempNet needs 0 < tau_min < tau_max, rho > 0 (or NaN) and a hidden size");
        }
    }

    /** Defaults that suit a small model and a few hundred examples. */
    public static TrainingConfig defaults(AdapterKind kind) {
        double learningRate = switch (kind) {
            case LORA -> 5e-3;
            case PROMPT, PREFIX -> 3e-2;
            case TEMPNET -> 1e-2;
        };
        return new TrainingConfig(
                kind,
                8,
                16,
                false,
                0,
                EnumSet.of(LoraModule.Q, LoraModule.V, LoraModule.O, LoraModule.DOWN),
                8,
                TempNetAdapter.Input.HIDDEN,
                64,
                0.05f,
                2.0f,
                TempNetObjective.CALIBRATION,
                Float.NaN,
                120,
                16,
                8,
                learningRate,
                0.0,
                10,
                1.0,
                20,
                3,
                0.1,
                256,
                17);
    }

    public TrainingConfig withSteps(int steps) {
        return new TrainingConfig(
                kind,
                rank,
                alpha,
                rsLora,
                dyLoraMin,
                targets,
                virtualTokens,
                tempNetInput,
                tempNetHidden,
                tauMin,
                tauMax,
                tempNetObjective,
                rho,
                steps,
                batchSize,
                microBatchSize,
                learningRate,
                weightDecay,
                Math.min(warmupSteps, steps / 4),
                clipNorm,
                evalEvery,
                patience,
                validationFraction,
                maxTokens,
                seed);
    }

    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(
                kind,
                rank,
                alpha,
                rsLora,
                dyLoraMin,
                targets,
                virtualTokens,
                tempNetInput,
                tempNetHidden,
                tauMin,
                tauMax,
                tempNetObjective,
                rho,
                maxSteps,
                batchSize,
                microBatchSize,
                learningRate,
                weightDecay,
                warmupSteps,
                clipNorm,
                evalEvery,
                patience,
                validationFraction,
                maxTokens,
                newSeed);
    }

    public TrainingConfig withLora(int newRank, int newDyLoraMin) {
        return new TrainingConfig(
                kind,
                newRank,
                alpha,
                rsLora,
                newDyLoraMin,
                targets,
                virtualTokens,
                tempNetInput,
                tempNetHidden,
                tauMin,
                tauMax,
                tempNetObjective,
                rho,
                maxSteps,
                batchSize,
                microBatchSize,
                learningRate,
                weightDecay,
                warmupSteps,
                clipNorm,
                evalEvery,
                patience,
                validationFraction,
                maxTokens,
                seed);
    }

    /** A TempNet trained with {@code objective}; {@code newRho} is the DRO loss's radius, NaN for the rule's. */
    public TrainingConfig withTempNet(TempNetObjective objective, float newRho) {
        return new TrainingConfig(
                kind,
                rank,
                alpha,
                rsLora,
                dyLoraMin,
                targets,
                virtualTokens,
                tempNetInput,
                tempNetHidden,
                tauMin,
                tauMax,
                objective,
                newRho,
                maxSteps,
                batchSize,
                microBatchSize,
                learningRate,
                weightDecay,
                warmupSteps,
                clipNorm,
                evalEvery,
                patience,
                validationFraction,
                maxTokens,
                seed);
    }
}
