package io.swapgate.gateway;

import static io.swapgate.gateway.TestGateway.assertStatus;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.proto.v1.AdapterSummary;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.GetUsageRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.UploadManifest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Each tenant quota over real gRPC: it trips with RESOURCE_EXHAUSTED naming the quota (in the message and a
 * google.rpc.QuotaFailure), advises when to retry (google.rpc.RetryInfo) where waiting helps, and lets the tenant in
 * again once that time has passed or the tenant has made room. One tenant per quota (application.properties, %test).
 */
@QuarkusTest
class QuotaGrpcTest {

    @TestHTTPResource("/")
    URL base;

    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void disconnect() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel channel(String tenant) {
        ManagedChannel channel = TestGateway.channel(base, tenant + "-key");
        channels.add(channel);
        return channel;
    }

    private InferenceGrpc.InferenceBlockingStub inference(String tenant) {
        return InferenceGrpc.newBlockingStub(channel(tenant)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static GenerateRequest greedy(int maxNewTokens) {
        return GenerateRequest.newBuilder()
                .setPrompt("Once upon a time")
                .setMaxNewTokens(maxNewTokens)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .build();
    }

    /** 400 tokens: greedy from this prompt, stories260K reaches no end of story that soon, so the stream stays busy. */
    private static GenerateRequest longStream() {
        return greedy(400).toBuilder().setPrompt("Lily and Ben").build();
    }

    /** Asserts a quota refusal and returns the advised retry delay, or null when it advises none. */
    private static Duration assertQuota(String quota, String message, Executable call) {
        StatusRuntimeException e =
                assertStatus(Status.Code.RESOURCE_EXHAUSTED, "quota " + quota + " exceeded: " + message, call);
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        assertNotNull(details, "no status details");
        QuotaFailure failure = null;
        RetryInfo retry = null;
        for (var detail : details.getDetailsList()) {
            try {
                if (detail.is(QuotaFailure.class)) {
                    failure = detail.unpack(QuotaFailure.class);
                } else if (detail.is(RetryInfo.class)) {
                    retry = detail.unpack(RetryInfo.class);
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
                throw new AssertionError(bad);
            }
        }
        assertNotNull(failure, "no QuotaFailure detail");
        assertEquals(quota, failure.getViolations(0).getSubject());
        return retry == null
                ? null
                : Duration.ofSeconds(
                        retry.getRetryDelay().getSeconds(),
                        retry.getRetryDelay().getNanos());
    }

    /** Waits out the advised delay: the quota's own promise that the tenant may go on after it. */
    private static void waitOut(Duration retryAfter) throws InterruptedException {
        assertNotNull(retryAfter, "the refusal should say when to retry");
        TimeUnit.NANOSECONDS.sleep(retryAfter.toNanos());
    }

    @Test
    void maxNewTokensIsRefusedWithNoPointInRetrying() {
        var stub = inference("limited");
        assertNull(
                assertQuota(
                        "max-new-tokens",
                        "tenant 'limited' may ask for at most 400 new tokens per request, not 401",
                        () -> stub.generate(greedy(401))),
                "waiting does not help a request that asks too much");
        assertEquals(3, stub.generate(greedy(3)).getUsage().getCompletionTokens());
    }

    @Test
    void requestsPerSecondTripsAndRecoversAfterTheAdvisedDelay() throws Exception {
        var stub = inference("ratelimited");
        Duration retry = null;
        for (int i = 0; i < 5 && retry == null; i++) { // a burst of 2 is allowed; one of the next must be refused
            try {
                stub.generate(greedy(1));
            } catch (StatusRuntimeException refused) {
                retry = assertQuota(
                        "requests-per-second", "tenant 'ratelimited' may start 2.0 requests per second", () -> {
                            throw refused;
                        });
            }
        }
        assertNotNull(retry, "5 requests at once never tripped 2 requests per second");
        assertTrue(retry.toMillis() <= 500, "a token comes back every 500 ms, advised " + retry);
        waitOut(retry);
        assertEquals(1, stub.generate(greedy(1)).getUsage().getCompletionTokens());
    }

    @Test
    void tokensPerMinuteTripsAndRecoversAfterTheAdvisedDelay() throws Exception {
        var stub = inference("metered");
        Duration retry = null;
        int served = 0;
        for (int i = 0; i < 5 && retry == null; i++) { // 300 tokens a minute: the third 100-token request cannot fit
            try {
                served += stub.generate(greedy(100)).getUsage().getTotalTokens();
            } catch (StatusRuntimeException refused) {
                retry = assertQuota("tokens-per-minute", "tenant 'metered' may use 300 tokens per minute", () -> {
                    throw refused;
                });
            }
        }
        assertNotNull(retry, "never refused after " + served + " tokens");
        assertTrue(served >= 200 && served <= 300 + 100, "tokens served before the refusal: " + served);
        waitOut(retry);
        assertTrue(stub.generate(greedy(100)).getUsage().getCompletionTokens() > 0);
    }

    @Test
    void concurrentRequestsTripWhileTwoStreamAndRecoverWhenOneEnds() throws Exception {
        InferenceGrpc.InferenceStub async =
                InferenceGrpc.newStub(channel("limited")).withDeadlineAfter(60, TimeUnit.SECONDS);
        CountDownLatch streaming = new CountDownLatch(2);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        List<io.grpc.stub.ClientCallStreamObserver<GenerateRequest>> calls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Void> finished = new CompletableFuture<>();
            done.add(finished);
            async.generateStream(
                    longStream(), new io.grpc.stub.ClientResponseObserver<GenerateRequest, GenerateStreamResponse>() {
                        @Override
                        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<GenerateRequest> call) {
                            calls.add(call);
                            call.disableAutoRequestWithInitial(1); // hold the stream open after its first message
                        }

                        @Override
                        public void onNext(GenerateStreamResponse value) {
                            streaming.countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                            finished.complete(null);
                        }

                        @Override
                        public void onCompleted() {
                            finished.complete(null);
                        }
                    });
        }
        assertTrue(streaming.await(30, TimeUnit.SECONDS), "the two streams never started");
        var stub = inference("limited");
        Duration retry = assertQuota(
                "concurrent-requests",
                "tenant 'limited' already has 2 requests in flight",
                () -> stub.generate(greedy(1)));
        assertNotNull(retry);
        calls.get(0).cancel("the test makes room", null);
        done.get(0).get(30, TimeUnit.SECONDS);
        awaitInFlight("limited", 1);
        assertEquals(1, stub.generate(greedy(1)).getUsage().getCompletionTokens());
        calls.get(1).cancel("done", null);
    }

    /** Polls the tenant's usage until its requests in flight drop to {@code expected}: the server ends a call after the client. */
    private void awaitInFlight(String tenant, int expected) {
        var tenants = TenantsGrpc.newBlockingStub(channel("ops".equals(tenant) ? "admin" : tenant));
        await("requests in flight drop to " + expected)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() ->
                        tenants.getUsage(GetUsageRequest.getDefaultInstance()).getInFlight() <= expected);
    }

    @Test
    void queuedRequestsTripWhenTheTenantsShareOfTheQueueIsFull() throws Exception {
        // The test engine has 4 batch slots: queuer fills them, queues one request (its limit) and is refused a second.
        InferenceGrpc.InferenceStub async =
                InferenceGrpc.newStub(channel("queuer")).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<io.grpc.stub.ClientCallStreamObserver<GenerateRequest>> calls = new ArrayList<>();
        CompletableFuture<Void> queuedDone = new CompletableFuture<>();
        for (int i = 0; i < 5; i++) {
            boolean queued = i == 4;
            CountDownLatch started = new CountDownLatch(1);
            async.generateStream(
                    queued ? greedy(3) : longStream(),
                    new io.grpc.stub.ClientResponseObserver<GenerateRequest, GenerateStreamResponse>() {
                        @Override
                        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<GenerateRequest> call) {
                            calls.add(call);
                            if (!queued) {
                                call.disableAutoRequestWithInitial(
                                        1); // the first token, then the stream waits for the client
                            }
                        }

                        @Override
                        public void onNext(GenerateStreamResponse value) {
                            started.countDown();
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (queued) {
                                queuedDone.completeExceptionally(t);
                            }
                        }

                        @Override
                        public void onCompleted() {
                            if (queued) {
                                queuedDone.complete(null);
                            }
                        }
                    });
            // One at a time: the test engine's whole queue holds only 2 requests waiting for admission.
            assertTrue(queued || started.await(30, TimeUnit.SECONDS), "queuer's stream " + i + " never started");
        }
        awaitQueued(1);
        var stub = inference("queuer");
        Duration retry = assertQuota(
                "queued-requests", "tenant 'queuer' already has 1 requests waiting", () -> stub.generate(greedy(1)));
        assertNotNull(retry);
        for (int i = 0; i < 4; i++) {
            calls.get(i).cancel("the test makes room", null);
        }
        queuedDone.get(30, TimeUnit.SECONDS);
        assertEquals(1, stub.generate(greedy(1)).getUsage().getCompletionTokens());
    }

    @jakarta.inject.Inject
    io.swapgate.gateway.serving.ServedModel model;

    private void awaitQueued(int expected) {
        await("the engine has " + expected + " queued")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> model.engine().stats().queued() >= expected);
    }

    @Test
    void storageQuotasTripOnUploadAndRecoverWhenTheTenantDeletes() throws Exception {
        ManagedChannel storage = channel("storage");
        var registry = AdaptersGrpc.newBlockingStub(storage).withDeadlineAfter(60, TimeUnit.SECONDS);
        deleteEverything(registry);
        TestAdapterFiles files = new TestAdapterFiles(System.nanoTime());
        Path six = files.write(lora(files, 6));
        Path eight = files.write(lora(files, 8));
        Path ten = files.write(lora(files, 10));
        long sixBytes = size(six);
        long eightBytes = size(eight);
        // The quotas (upload 40000, total 60000) sit between these sizes; fail clearly if the adapter layout changes.
        assertTrue(
                sixBytes < 40000 && eightBytes < 40000 && sixBytes + eightBytes > 60000 && size(ten) > 40000,
                "sizes " + sixBytes + ", " + eightBytes + ", " + size(ten) + " do not straddle the test quotas");
        TestAdapterFiles.upload(storage, six, UploadManifest.newBuilder().setName("storage/one"));
        assertNull(assertQuota(
                "adapters",
                "tenant 'storage' already has 1 adapters",
                () -> TestAdapterFiles.upload(
                        storage, eight, UploadManifest.newBuilder().setName("storage/two"))));
        assertNull(assertQuota(
                "adapter-bytes",
                "tenant 'storage' holds " + sixBytes + " bytes of adapters",
                () -> TestAdapterFiles.upload(
                        storage, eight, UploadManifest.newBuilder().setName("storage/one"))));
        assertNull(assertQuota(
                "upload-bytes",
                "an upload of tenant 'storage' may hold 40000 bytes",
                () -> TestAdapterFiles.upload(
                        storage, ten, UploadManifest.newBuilder().setName("storage/one"))));
        deleteEverything(registry);
        TestAdapterFiles.upload(storage, eight, UploadManifest.newBuilder().setName("storage/two"));
        assertEquals(
                List.of("storage/two"),
                registry.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList().stream()
                        .map(AdapterSummary::getName)
                        .toList());
    }

    private static io.swapgate.core.adapter.LoraAdapter lora(TestAdapterFiles files, int rank) {
        return files.random.lora("x", rank, 2f * rank, false, 0, EnumSet.of(LoraModule.Q, LoraModule.V));
    }

    private static long size(Path folder) throws Exception {
        try (Stream<Path> list = Files.list(folder)) {
            long total = 0;
            for (Path file : list.toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    /** Removes every version of the tenant's adapters (deleting the last version of a name removes the name). */
    private static void deleteEverything(AdaptersGrpc.AdaptersBlockingStub registry) {
        for (AdapterSummary adapter :
                registry.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList()) {
            for (int i = 0; i < adapter.getVersionCount(); i++) {
                registry.delete(DeleteRequest.newBuilder()
                        .setName(adapter.getName())
                        .setVersion("latest")
                        .build());
            }
        }
    }
}
