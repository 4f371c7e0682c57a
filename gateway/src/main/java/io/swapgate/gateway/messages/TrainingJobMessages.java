package io.swapgate.gateway.messages;

import io.swapgate.proto.v1.LossPoint;
import io.swapgate.retraining.TrainingJob;

/** Training jobs as {@code swapgate.v1.TrainingJob} messages (gRPC and Kafka). */
public final class TrainingJobMessages {

    private TrainingJobMessages() {}

    public static io.swapgate.proto.v1.TrainingJob of(TrainingJob job) {
        io.swapgate.proto.v1.TrainingJob.Builder message = io.swapgate.proto.v1.TrainingJob.newBuilder()
                .setId(job.id())
                .setAdapter(job.adapter())
                .setKind(nonNull(job.kind()))
                .setState(job.state().name())
                .setTrigger(job.trigger())
                .setAttempt(job.attempt())
                .setStep(job.step())
                .setResumedFromStep(job.resumedFrom())
                .setTotalSteps(job.steps())
                .setEtaMs(job.etaMillis())
                .setExamples(job.examples())
                .setParentVersion(nonNull(job.parentVersion()))
                .setVersion(nonNull(job.version()))
                .setReason(nonNull(job.reason()))
                .putAllMetrics(job.metrics())
                .setCreatedAt(job.createdAt())
                .setUpdatedAt(job.updatedAt());
        if (job.trainLoss() != null) {
            message.setTrainLoss(job.trainLoss());
        }
        if (job.validationLoss() != null) {
            message.setValidationLoss(job.validationLoss());
        }
        for (io.swapgate.retraining.LossPoint point : job.losses()) {
            LossPoint.Builder wire =
                    LossPoint.newBuilder().setStep(point.step()).setTrainLoss(point.trainLoss());
            if (point.validationLoss() != null) {
                wire.setValidationLoss(point.validationLoss());
            }
            message.addLosses(wire);
        }
        return message.build();
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }
}
