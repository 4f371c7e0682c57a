package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.FinishReason;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM with 8 streams in flight: every stream completes normally, a request sent meanwhile is refused with
 * UNAVAILABLE, and the process exits with status 0 within the grace period.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class GracefulShutdownIT {

    private static final int STREAMS = 8;
    private static final int TOKENS = 300;

    @Test
    void inFlightStreamsFinishAndNewRequestsAreRefused() throws Exception {
        GatewayProcess gateway = GatewayProcess.start("shutdown", E2e.stories260K());
        CountDownLatch started = new CountDownLatch(STREAMS);
        List<CompletableFuture<GenerateStreamResponse>> streams = new ArrayList<>();
        var async = InferenceGrpc.newStub(gateway.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
        for (int i = 0; i < STREAMS; i++) {
            CompletableFuture<GenerateStreamResponse> last = new CompletableFuture<>();
            streams.add(last);
            async.generateStream(E2e.greedy(E2e.PROMPT, TOKENS), new StreamObserver<>() {
                private GenerateStreamResponse latest;
                private boolean counted;

                @Override
                public void onNext(GenerateStreamResponse value) {
                    latest = value;
                    if (!counted) {
                        counted = true;
                        started.countDown();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    last.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    last.complete(latest);
                }
            });
        }
        assertTrue(started.await(60, TimeUnit.SECONDS), "the streams did not start");

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.terminate(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // A request sent while the gateway drains is refused (UNAVAILABLE whether it reaches the engine or not).
        StatusRuntimeException refused = await("a new request during shutdown is refused")
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> refusal(gateway), Objects::nonNull);
        assertEquals(
                Status.Code.UNAVAILABLE,
                refused.getStatus().getCode(),
                refused.getStatus().toString());

        for (CompletableFuture<GenerateStreamResponse> stream : streams) {
            GenerateStreamResponse last = stream.get(60, TimeUnit.SECONDS);
            assertEquals(FinishReason.FINISH_REASON_LENGTH, last.getFinishReason());
            assertEquals(TOKENS, last.getUsage().getCompletionTokens());
        }
        assertEquals(0, exit.get(90, TimeUnit.SECONDS), "exit status after SIGTERM\n" + gateway.output());
        assertTrue(gateway.output().contains("every in-flight request finished"), gateway.output());
        gateway.close();
    }

    /** Sends a request and returns its refusal, or null when it was served. */
    private static StatusRuntimeException refusal(GatewayProcess gateway) {
        try {
            InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .generate(E2e.greedy("Hi", 5));
            return null;
        } catch (StatusRuntimeException e) {
            return e;
        }
    }
}
