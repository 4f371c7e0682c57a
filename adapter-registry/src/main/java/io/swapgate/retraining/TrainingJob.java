package io.swapgate.retraining;

import java.util.List;
import java.util.Map;

/**
 * One retraining of one adapter, as stored in {@code jobs/<id>.json} beside the registry and reported to watchers.
 *
 * @param kind lora, prompt, prefix or tempnet; null until the job starts when it was not asked for
 * @param lora the shape asked for a LoRA, or null for the configured one
 * @param objective what a TempNet job minimises ({@code calibration} or {@code dro}), or null for the configured one
 * @param trigger what started it: {@code examples} (the retraining policy) or {@code manual}
 * @param attempt how many times it started running (a job a gateway stop interrupted runs again)
 * @param resumedFrom the step of the checkpoint the current attempt went on from, 0 when it started at step 1
 * @param trainLoss the latest step's mean loss, null before the first step
 * @param validationLoss the latest validation loss, null before the first validation pass
 * @param parentVersion the version it was trained from, null when trained from scratch
 * @param version the version it published, null until then
 * @param heldOutIds the examples it was evaluated on (the next job's regression check reuses them)
 * @param losses the loss curve up to the current step, evenly thinned to about {@link LossPoint#MAX_POINTS} points; an
 *               attempt that resumed from a checkpoint keeps the curve up to that step
 */
public record TrainingJob(
        String id,
        String adapter,
        String kind,
        LoraShape lora,
        String objective,
        JobState state,
        String trigger,
        int attempt,
        int steps,
        String createdAt,
        String updatedAt,
        int step,
        int resumedFrom,
        Double trainLoss,
        Double validationLoss,
        long etaMillis,
        int examples,
        String parentVersion,
        String version,
        String reason,
        Map<String, Double> metrics,
        List<String> heldOutIds,
        List<LossPoint> losses) {

    public TrainingJob {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        heldOutIds = heldOutIds == null ? List.of() : List.copyOf(heldOutIds);
        losses = losses == null ? List.of() : List.copyOf(losses); // jobs stored before curves were kept have none
    }

    static TrainingJob queued(
            String id,
            String adapter,
            String kind,
            LoraShape lora,
            String objective,
            String trigger,
            int steps,
            String now) {
        return new TrainingJob(
                id,
                adapter,
                kind,
                lora,
                objective,
                JobState.QUEUED,
                trigger,
                0,
                steps,
                now,
                now,
                0,
                0,
                null,
                null,
                0,
                0,
                null,
                null,
                null,
                Map.of(),
                List.of(),
                List.of());
    }

    TrainingJob started(
            String startedKind, int totalSteps, int exampleCount, String parent, List<String> heldOut, String now) {
        return new TrainingJob(
                id,
                adapter,
                startedKind,
                lora,
                objective,
                JobState.RUNNING,
                trigger,
                attempt + 1,
                totalSteps,
                createdAt,
                now,
                0,
                0,
                null,
                null,
                0,
                exampleCount,
                parent,
                null,
                null,
                Map.of(),
                heldOut,
                losses);
    }

    /** Queued again after a gateway stop interrupted it; its curve stays until the next attempt's first step. */
    TrainingJob requeued(String why, String now) {
        return new TrainingJob(
                id,
                adapter,
                kind,
                lora,
                objective,
                JobState.QUEUED,
                trigger,
                attempt,
                steps,
                createdAt,
                now,
                0,
                0,
                null,
                null,
                0,
                0,
                null,
                null,
                why,
                Map.of(),
                List.of(),
                losses);
    }

    TrainingJob progressed(int newStep, int resumedFromStep, double loss, Double validation, long eta, String now) {
        return new TrainingJob(
                id,
                adapter,
                kind,
                lora,
                objective,
                state,
                trigger,
                attempt,
                steps,
                createdAt,
                now,
                newStep,
                resumedFromStep,
                loss,
                validation == null ? validationLoss : validation,
                eta,
                examples,
                parentVersion,
                version,
                reason,
                metrics,
                heldOutIds,
                LossPoint.appended(losses, new LossPoint(newStep, loss, validation), steps));
    }

    TrainingJob ended(
            JobState finalState, String publishedVersion, String why, Map<String, Double> results, String now) {
        return new TrainingJob(
                id,
                adapter,
                kind,
                lora,
                objective,
                finalState,
                trigger,
                attempt,
                steps,
                createdAt,
                now,
                step,
                resumedFrom,
                trainLoss,
                validationLoss,
                0,
                examples,
                parentVersion,
                publishedVersion,
                why,
                results,
                heldOutIds,
                losses);
    }
}
