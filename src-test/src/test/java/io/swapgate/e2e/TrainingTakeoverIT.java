package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.GetTrainingJobRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two replicas share one registry, jobs included. A replica started while the other runs a job leaves the job to it
 * (before job claims, it queued the job again and ran it too), reads it from the registry, and cancels it through
 * the replica that runs it; when the running replica is SIGKILLed, the other takes the job over within seconds, as
 * its second attempt.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TrainingTakeoverIT {

    @Test
    void aJobRunsOnOneReplicaOnlyIsCancelledFromEitherAndIsTakenOverWhenItsReplicaDies() throws Exception {
        Path dir = E2e.targetDir().resolve("training").resolve("takeover");
        E2e.deleteTree(dir);
        Path registry = dir.resolve("registry");
        try (GatewayProcess first = GatewayProcess.start("takeover-1", E2e.stories260K(), registry)) {
            ManagedChannel one = first.channel(GatewayProcess.DEMO_KEY);
            TrainingJob cancelled = startLongJob(one, "demo/cancelled");
            Iterator<TrainingJob> cancelledOnFirst = awaitTraining(one, cancelled.getId());
            try (GatewayProcess second = GatewayProcess.start("takeover-2", E2e.stories260K(), registry)) {
                ManagedChannel two = second.channel(GatewayProcess.DEMO_KEY);
                // Started while the first replica runs the job: it has left the job alone.
                TrainingJob seenBySecond = training(two)
                        .get(GetTrainingJobRequest.newBuilder()
                                .setId(cancelled.getId())
                                .build());
                assertEquals(
                        List.of("RUNNING", 1),
                        List.of(seenBySecond.getState(), seenBySecond.getAttempt()),
                        seenBySecond.toString());
                // Cancelled through the second replica, it ends on the first, at its next step.
                training(two)
                        .cancel(CancelTrainingJobRequest.newBuilder()
                                .setId(cancelled.getId())
                                .build());
                TrainingJob end = TrainingLoopIT.awaitFinished(cancelledOnFirst);
                assertEquals(List.of("CANCELLED", 1), List.of(end.getState(), end.getAttempt()), end.toString());

                // A job started on the first after the second started: the second reads it from the registry.
                TrainingJob orphan = startLongJob(one, "demo/orphan");
                TrainingJob running = awaitTraining(one, orphan.getId()).next();
                TrainingJob seen = training(two)
                        .get(GetTrainingJobRequest.newBuilder()
                                .setId(orphan.getId())
                                .build());
                assertEquals(List.of("RUNNING", 1), List.of(seen.getState(), seen.getAttempt()), seen.toString());
                assertTrue(seen.getStep() >= 1 && running.getStep() >= 1, seen.toString());

                first.kill();
                Iterator<TrainingJob> onSecond = TrainingLoopIT.watch(two, orphan.getId());
                TrainingJob taken = onSecond.next();
                while (!(taken.getAttempt() == 2 && taken.getState().equals("RUNNING") && taken.getStep() >= 1)) {
                    taken = onSecond.next(); // within a few seconds of the kill, the second replica trains it
                }
                training(two)
                        .cancel(CancelTrainingJobRequest.newBuilder()
                                .setId(orphan.getId())
                                .build());
                end = TrainingLoopIT.awaitFinished(onSecond);
                assertEquals(List.of("CANCELLED", 2), List.of(end.getState(), end.getAttempt()), end.toString());
                for (String left : List.of(".checkpoint", ".cancel")) {
                    assertFalse(
                            Files.exists(registry.resolve("jobs").resolve(cancelled.getId() + left)),
                            left + " left behind");
                    assertFalse(
                            Files.exists(registry.resolve("jobs").resolve(orphan.getId() + left)),
                            left + " left behind");
                }
                awaitGone(registry.resolve("jobs").resolve(orphan.getId() + ".lock"));
            }
        }
    }

    private static TrainingJob startLongJob(ManagedChannel channel, String adapter) {
        return training(channel)
                .start(StartTrainingRequest.newBuilder()
                        .setAdapter(adapter)
                        .setSteps(100_000)
                        .addAllExamples(TrainingLoopIT.fact("takeover", 40))
                        .build());
    }

    /** A watch of the job, once it has taken its first step. */
    private static Iterator<TrainingJob> awaitTraining(ManagedChannel channel, String id) {
        Iterator<TrainingJob> watch = TrainingLoopIT.watch(channel, id);
        while (watch.next().getStep() < 1) {
            // wait until it trains
        }
        return watch;
    }

    /** The replica lets go of an ended job (its lock file goes) just after it reports the end. */
    private static void awaitGone(Path lockFile) {
        await("the ended job's lock file " + lockFile + " is gone")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !Files.exists(lockFile));
    }

    private static TrainingGrpc.TrainingBlockingStub training(ManagedChannel channel) {
        return TrainingGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }
}
