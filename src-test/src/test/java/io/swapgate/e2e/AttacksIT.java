package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import io.swapgate.proto.v1.WhoAmIRequest;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attack suite: each test is one way an outsider or another tenant tried to silence, read, starve or impersonate a
 * tenant, run against the packaged gateway with a real broker and real HTTP, gRPC and Kafka clients. Each failed on the
 * gateway before its fix. docs/security.md lists them.
 */
class AttacksIT {

    private static final String NOISY_KEY = "noisy-key";
    private static LocalKafkaBroker broker;
    private static GatewayProcess gateway;
    private static KafkaProducer<byte[], byte[]> producer;
    private static TestAdapters adapters;
    /** HTTP/1.1, as browsers speak to a plaintext gateway. */
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void start() throws Exception {
        broker = LocalKafkaBroker.start(
                E2e.emptyDir(E2e.targetDir().resolve("kafka").resolve("attacks")));
        adapters = new TestAdapters(E2e.emptyDir(E2e.targetDir().resolve("attacks-adapters")));
        // Tenant "tight" may store one adapter, and one and a half rank-4 LoRAs' bytes.
        long loraBytes = TestAdapters.bytesOf(adapters.lora(11, 4));
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "swapgate.kafka.bootstrap-servers", broker.bootstrapServers(),
                "swapgate.kafka.partitions", "1",
                "swapgate.kafka.topics.requests", "attacks.requests",
                "swapgate.kafka.topics.responses", "attacks.responses",
                "swapgate.kafka.topics.dead-letters", "attacks.dlq",
                "swapgate.tenancy.tenants.\"tight\".quotas.adapters", "1",
                "swapgate.tenancy.tenants.\"slow\".quotas.requests-per-second", "1",
                "swapgate.tenancy.tenants.\"tight\".quotas.adapter-bytes", Long.toString(loraBytes * 3 / 2)));
        gateway = GatewayProcess.start(
                "attacks",
                E2e.stories260K(),
                E2e.emptyDir(GatewayProcess.registryDir("attacks")),
                GatewayProcess.withUnreachableQuotas(properties));
        producer = KafkaTestClients.producer(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    // --- Kafka ------------------------------------------------------------------------------------------------------

    @Test
    void anUnauthenticatedRecordCannotSilenceATenantsRequestId() throws Exception {
        send(null, KafkaRequest.newBuilder().setRequestId("order-43").build());
        send(GatewayProcess.DEMO_KEY, request("order-43"));
        try (KafkaAnswers answers = new KafkaAnswers(broker.bootstrapServers(), "attacks.responses.demo")) {
            answers.awaitFinals(List.of("order-43"), Duration.ofMinutes(1));
            assertFalse(
                    answers.last("order-43").hasError(),
                    () -> "the tenant's own order-43 failed: " + answers.last("order-43"));
            assertFalse(answers.text("order-43").isEmpty());
        }
        ConsumerRecord<byte[], byte[]> dead = deadLetter("order-43", "UNAUTHENTICATED");
        assertNull(dead.headers().lastHeader("authorization"));
    }

    @Test
    void aTenantCannotClaimAnotherTenantsRequestId() throws Exception {
        send(NOISY_KEY, request("order-44"));
        send(GatewayProcess.DEMO_KEY, request("order-44"));
        try (KafkaAnswers demo = new KafkaAnswers(broker.bootstrapServers(), "attacks.responses.demo");
                KafkaAnswers noisy = new KafkaAnswers(broker.bootstrapServers(), "attacks.responses.noisy")) {
            demo.awaitFinals(List.of("order-44"), Duration.ofMinutes(1));
            noisy.awaitFinals(List.of("order-44"), Duration.ofMinutes(1));
            assertFalse(demo.last("order-44").hasError(), () -> "demo's order-44: " + demo.last("order-44"));
            assertFalse(noisy.last("order-44").hasError(), () -> "noisy's order-44: " + noisy.last("order-44"));
            assertEquals(1, demo.finals("order-44"), "each tenant's answer on its own topic only");
            assertEquals(1, noisy.finals("order-44"));
        }
    }

    @Test
    void deadLettersCarryNoCredentials() throws Exception {
        send(
                GatewayProcess.DEMO_KEY,
                request("no-such-adapter").toBuilder()
                        .setRequest(request("x").getRequest().toBuilder().addAdapters("demo/no-such-adapter"))
                        .build());
        ConsumerRecord<byte[], byte[]> dead = deadLetter("no-such-adapter", "NOT_FOUND");
        assertNull(dead.headers().lastHeader("authorization"), "the key stays out of the dead-letter topic");
        assertEquals("demo", KafkaTestClients.header(dead, "swapgate.dlq.tenant"));
    }

    @Test
    void aTenantCannotWriteIntoTheTopicsOfATenantWhoseNameExtendsItsOwn() throws Exception {
        gateway.addKey("acme", "acme-key");
        gateway.addKey("acme.beta", "acme-beta-key");
        String victims = "attacks.responses.acme.beta";
        send("acme-beta-key", request("beta-own")); // its first answer creates acme.beta's own topic
        try (KafkaAnswers beta = new KafkaAnswers(broker.bootstrapServers(), victims)) {
            beta.awaitFinals(List.of("beta-own"), Duration.ofMinutes(1));
            send(
                    "acme-key",
                    request("into-beta").toBuilder().setReplyTopic(victims).build());
            send(
                    "acme-beta-key",
                    request("beta-after").toBuilder().setReplyTopic(victims).build());
            try (KafkaAnswers acme = new KafkaAnswers(broker.bootstrapServers(), "attacks.responses.acme")) {
                acme.awaitFinals(List.of("into-beta"), Duration.ofMinutes(1));
                assertEquals(
                        "PERMISSION_DENIED", acme.last("into-beta").getError().getCode());
            }
            beta.awaitFinals(List.of("beta-after"), Duration.ofMinutes(1));
            assertFalse(beta.last("beta-after").hasError(), "acme.beta may name its own topic");
            assertEquals(0, beta.finals("into-beta"), "nothing of acme's reached acme.beta's topic");
        }
    }

    @Test
    void aTenantFloodingKafkaCannotHoldEveryRequestSlot() throws Exception {
        for (int i = 0; i < 60; i++) {
            send(
                    NOISY_KEY,
                    KafkaRequest.newBuilder()
                            .setRequestId("flood-" + i)
                            .setRequest(E2e.greedy(E2e.PROMPT, 200))
                            .build());
        }
        send(GatewayProcess.DEMO_KEY, request("quiet-1"));
        ConsumerRecord<byte[], byte[]> quiet =
                KafkaTestClients.first(broker.bootstrapServers(), "attacks.responses.demo", r -> isFinal(r, "quiet-1"));
        ConsumerRecord<byte[], byte[]> firstFlood =
                KafkaTestClients.first(broker.bootstrapServers(), "attacks.responses.noisy", r -> isFinal(r, "flood-"));
        assertTrue(
                quiet.timestamp() <= firstFlood.timestamp(),
                "demo's request waited for the flood: answered at " + quiet.timestamp()
                        + ", the flood's first answer at " + firstFlood.timestamp());
    }

    @Test
    void aTenantOverItsQuotaCannotPauseAPartitionOtherTenantsShare() throws Exception {
        // 1,500 requests from a tenant allowed one a second, then one from another tenant on the same partition. Held,
        // they would fill the partition's 512 places and pause it with the other tenant's request still unread.
        gateway.addKey("slow", "slow-key");
        for (int i = 0; i < 1500; i++) {
            var unused = producer.send(new ProducerRecord<byte[], byte[]>(
                    "attacks.requests",
                    null,
                    (byte[]) null,
                    request("backlog-" + i).toByteArray(),
                    headers("slow-key")));
        }
        producer.flush();
        send(GatewayProcess.DEMO_KEY, request("behind-backlog"));
        KafkaTestClients.first(broker.bootstrapServers(), "attacks.responses.demo", r -> isFinal(r, "behind-backlog"));
        ConsumerRecord<byte[], byte[]> shed = KafkaTestClients.first(
                broker.bootstrapServers(),
                "attacks.responses.slow",
                r -> isFinal(r, "backlog-") && errorCode(r).equals("RESOURCE_EXHAUSTED"));
        assertTrue(errorMessage(shed).contains("waiting for its quota"), errorMessage(shed));
    }

    @Test
    void anOverlongRequestIdIsRefusedAndNeverEchoed() throws Exception {
        String huge = "x".repeat(100_000);
        send(GatewayProcess.DEMO_KEY, request(huge));
        ConsumerRecord<byte[], byte[]> dead = KafkaTestClients.first(
                broker.bootstrapServers(),
                "attacks.dlq",
                r -> "INVALID_ARGUMENT".equals(KafkaTestClients.header(r, "swapgate.dlq.code"))
                        && KafkaTestClients.header(r, "swapgate.dlq.reason").contains("request_id"));
        assertTrue(
                KafkaTestClients.header(dead, "swapgate.dlq.reason").length() < 200, "the reason does not echo the id");
        StatusRuntimeException grpc = assertThrows(
                StatusRuntimeException.class,
                () -> InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .generate(E2e.greedy(E2e.PROMPT, 4).toBuilder()
                                .setRequestId(huge)
                                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, grpc.getStatus().getCode());
        assertFalse(grpc.getStatus().getDescription().contains("xxxxxxxxxx"));
    }

    @Test
    void aShortRegexWhoseAutomatonExplodesIsRefusedAndTheGatewayKeepsServing() {
        // 37 characters whose DFA states each hold thousands of NFA states: compiled unbounded, it filled a 2 GB heap.
        var blocking = InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> blocking.generate(E2e.greedy(E2e.PROMPT, 4).toBuilder()
                        .setResponseFormat(
                                io.swapgate.proto.v1.ResponseFormat.newBuilder().setRegex("(a{0,200}|b{0,200}){0,50}"))
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(
                refused.getStatus().getDescription().contains("too complex"),
                refused.getStatus().getDescription());
        assertEquals(4, blocking.generate(E2e.greedy(E2e.PROMPT, 4)).getUsage().getCompletionTokens());
    }

    // --- HTTP -------------------------------------------------------------------------------------------------------

    @Test
    void anUnauthenticatedMultipartUploadLeavesNothingOnDisk() throws Exception {
        Path uploads = E2e.repoRoot().resolve("file-uploads");
        long before = files(uploads);
        byte[] file = new byte[3 << 20];
        for (String path : List.of("/v1/completions", "/console/api/Adapters/List")) {
            String boundary = "swapgate-attack";
            byte[] body = multipart(boundary, file);
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(url(path))
                            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(
                    response.statusCode() == 401 || response.statusCode() == 415,
                    path + " answered " + response.statusCode());
            HttpResponse<String> keyed = HTTP.send(
                    HttpRequest.newBuilder(url(path))
                            .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(415, keyed.statusCode(), path + ": no route takes a multipart body, even from a tenant");
        }
        assertEquals(before, files(uploads), "no uploaded file was written to " + uploads);
    }

    @Test
    void anUnauthenticatedCallerCannotMakeTheGatewayReadAHugeBody() throws Exception {
        // A declared 1 GiB body without a key is refused from its headers alone: nothing but the headers is sent.
        try (Socket socket = new Socket("localhost", gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("""
                    POST /v1/completions HTTP/1.1\r
                    Host: localhost\r
                    Content-Type: application/json\r
                    Content-Length: 1073741824\r
                    \r
                    """.getBytes(StandardCharsets.US_ASCII));
            String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertTrue(status.startsWith("HTTP/1.1 4"), "refused before the body: " + status);
        }
    }

    @Test
    void aStrangerCannotHoldAGrpcConnectionWithCallsWithoutAKey() throws Exception {
        ManagedChannel stranger = GatewayProcess.openChannel(gateway.port(), "not-a-key");
        try {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> TenantsGrpc.newBlockingStub(stranger)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .whoAmI(WhoAmIRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            // The gateway shuts the connection down once the call is answered (the channel then goes idle).
            await().atMost(Duration.ofSeconds(20)).until(() -> stranger.getState(false) != ConnectivityState.READY);
            var tenant = TenantsGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .whoAmI(WhoAmIRequest.getDefaultInstance());
            assertEquals("demo", tenant.getTenant());
            assertEquals(
                    ConnectivityState.READY,
                    gateway.channel(GatewayProcess.DEMO_KEY).getState(false),
                    "a tenant's connection stays open");
        } finally {
            stranger.shutdownNow();
        }
    }

    @Test
    void aStrangerCannotHoldAnHttpConnectionWithRequestsWithoutAKey() throws Exception {
        try (Socket socket = new Socket("localhost", gateway.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        } // readAllBytes returned: the server closed the connection after its answer
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        // Its own gateway with a 2 s timeout (the default is 2 minutes): connections that never send a request must not
        // hold the connection limit's slots for long.
        try (GatewayProcess quick = GatewayProcess.start(
                        "attacks-idle",
                        E2e.stories260K(),
                        E2e.emptyDir(GatewayProcess.registryDir("attacks-idle")),
                        Map.of("quarkus.http.idle-timeout", "2s"));
                Socket silent = new Socket("localhost", quick.port())) {
            silent.setSoTimeout(30_000);
            long opened = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "the server closes the connection");
            assertTrue(System.nanoTime() - opened < TimeUnit.SECONDS.toNanos(20), "closed long after the idle timeout");
        }
    }

    @Test
    void aDnsRebindingPageCannotReachTheLoopbackGateway() throws Exception {
        // java.net.http will not set Host, so a raw request plays the browser whose name now resolves to 127.0.0.1.
        assertTrue(rawStatus("GET /console/ HTTP/1.1\r\nHost: attacker.example:" + gateway.port() + "\r\n\r\n")
                .contains(" 403 "));
        String body = "{\"model\":\"stories260K\",\"prompt\":\"Once\",\"max_tokens\":2}";
        assertTrue(rawStatus(
                        "POST /v1/completions HTTP/1.1\r\nHost: attacker.example\r\nAuthorization: Bearer demo-key\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                                + body)
                .contains(" 403 "));
        HttpResponse<String> crossOrigin = HTTP.send(
                HttpRequest.newBuilder(url("/console/api/Tenants/WhoAmI"))
                        .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                        .header("Origin", "http://attacker.example")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, crossOrigin.statusCode());
        HttpResponse<String> own = HTTP.send(
                HttpRequest.newBuilder(url("/console/api/Tenants/WhoAmI"))
                        .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                        .header("Origin", "http://localhost:" + gateway.port())
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, own.statusCode(), own.body());
    }

    @Test
    void aWellKnownKeyIsNeverAcceptedOnAnInterfaceOthersCanReach() throws Exception {
        Path registry = E2e.emptyDir(GatewayProcess.registryDir("attacks-public"));
        AssertionError refused = assertThrows(
                AssertionError.class,
                () -> GatewayProcess.start(
                                "attacks-public", E2e.stories260K(), registry, Map.of("quarkus.http.host", "0.0.0.0"))
                        .close());
        assertTrue(refused.getMessage().contains("well-known local key"), refused.getMessage());
    }

    @Test
    void aStrangerReadsNoTenantNamesFromMetricsOrReadiness() throws Exception {
        for (String path : List.of("/q/metrics", "/q/health/ready")) {
            HttpResponse<String> api =
                    HTTP.send(HttpRequest.newBuilder(url(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, api.statusCode(), path + " is not served on the API port");
        }
        assertTrue(
                gateway.metrics().contains("swapgate_engine_queued"),
                "the management port serves them (to probes and Prometheus)");
    }

    // --- Registry ---------------------------------------------------------------------------------------------------

    @Test
    void aVersionThatIsAPathCannotPromoteAnotherAdaptersVersion() throws Exception {
        var demo = gateway.channel(GatewayProcess.DEMO_KEY);
        String lora = TestAdapters.upload(demo, adapters.lora(1, 4), "demo/lora", "stable");
        TestAdapters.upload(demo, adapters.lora(2, 4), "demo/other", "stable");
        var stub = AdaptersGrpc.newBlockingStub(demo).withDeadlineAfter(30, TimeUnit.SECONDS);
        for (String path :
                List.of("../../other/aliases/stable", "../../../../noisy/x/aliases/stable", "stable/../latest")) {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> stub.promote(PromoteRequest.newBuilder()
                            .setName("demo/lora")
                            .setAlias("probe")
                            .setVersion(path)
                            .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), path);
        }
        var aliases = stub.get(
                        GetAdapterRequest.newBuilder().setName("demo/lora").build())
                .getAliasesMap();
        assertEquals(lora, aliases.get("stable"));
        assertFalse(aliases.containsKey("probe"), "no alias was made from a path");
    }

    // --- Quotas and training ---------------------------------------------------------------------------------------

    @Test
    void parallelUploadsCannotTogetherPassTheStorageQuota() throws Exception {
        gateway.addKey("tight", "tight-key");
        List<java.util.concurrent.Callable<String>> uploads = new java.util.ArrayList<>();
        for (long seed = 11; seed < 15; seed++) {
            Path folder = adapters.lora(seed, 4);
            uploads.add(() -> {
                try {
                    return TestAdapters.upload(gateway.channel("tight-key"), folder, "tight/a", "");
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode().name();
                }
            });
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(uploads.size());
        try {
            List<String> outcomes = new java.util.ArrayList<>();
            for (var outcome : pool.invokeAll(uploads)) {
                outcomes.add(outcome.get());
            }
            assertEquals(
                    1,
                    outcomes.stream().filter(o -> o.matches("[0-9a-f]{64}")).count(),
                    "one upload fits the quota, the rest are refused: " + outcomes);
            assertEquals(
                    3, outcomes.stream().filter("RESOURCE_EXHAUSTED"::equals).count(), outcomes.toString());
        } finally {
            pool.shutdownNow();
        }

        // The quota counts training too: a new name over the adapters quota is refused before any work starts, and a
        // job whose version would pass the bytes quota publishes nothing.
        var training =
                TrainingGrpc.newBlockingStub(gateway.channel("tight-key")).withDeadlineAfter(60, TimeUnit.SECONDS);
        StatusRuntimeException newName =
                assertThrows(StatusRuntimeException.class, () -> training.start(start("tight/b", 2)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, newName.getStatus().getCode());
        TrainingJob job =
                training.start(start("tight/a", 2).toBuilder().setLoraRank(8).build());
        TrainingJob last = job;
        for (var changes = training.watch(
                        WatchTrainingJobsRequest.newBuilder().setId(job.getId()).build());
                changes.hasNext(); ) {
            last = changes.next();
        }
        assertEquals("FAILED", last.getState(), last.toString());
        assertTrue(
                last.getReason().contains("delete versions first"), "refused by the bytes quota: " + last.getReason());
    }

    @Test
    void aTenantCannotQueueUnlimitedTrainingJobs() throws Exception {
        gateway.addKey("busy", "busy-key");
        var training =
                TrainingGrpc.newBlockingStub(gateway.channel("busy-key")).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<String> started = new java.util.ArrayList<>();
        StatusRuntimeException refused = null;
        try {
            for (int i = 0; i < 8 && refused == null; i++) {
                try {
                    started.add(training.start(start("busy/a", 100_000)).getId());
                } catch (StatusRuntimeException e) {
                    refused = e;
                }
            }
        } finally {
            for (String id : started) {
                training.cancel(CancelTrainingJobRequest.newBuilder().setId(id).build());
            }
        }
        assertTrue(refused != null, "8 long jobs were all queued");
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        assertTrue(started.size() >= 4, "the first 4 are taken: " + started.size());
    }

    // --- Keys and errors --------------------------------------------------------------------------------------------

    @Test
    void aDeletedKeyFileRevokesEveryKey() throws Exception {
        var whoAmI = TenantsGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertEquals("demo", whoAmI.whoAmI(WhoAmIRequest.getDefaultInstance()).getTenant());
        Path keys = gateway.keyFile();
        Path aside = keys.resolveSibling(keys.getFileName() + ".aside");
        Files.move(keys, aside);
        try {
            StatusRuntimeException e = assertThrows(
                    StatusRuntimeException.class,
                    () -> TenantsGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .whoAmI(WhoAmIRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        } finally {
            Files.move(aside, keys);
        }
        assertEquals(
                "demo",
                TenantsGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .whoAmI(WhoAmIRequest.getDefaultInstance())
                        .getTenant());
    }

    @Test
    void errorMessagesNameAdaptersAsTheCallerWroteThem() throws Exception {
        StatusRuntimeException e = refusedGeneration("demo/missing");
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("demo/missing"),
                e.getStatus().getDescription());
        HttpResponse<String> http = HTTP.send(
                HttpRequest.newBuilder(url("/v1/completions"))
                        .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"demo/missing\",\"prompt\":\"Once\",\"max_tokens\":2}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, http.statusCode());
        assertTrue(http.body().contains("demo/missing") && !http.body().contains("%2F"), http.body());
        HttpResponse<String> console = HTTP.send(
                HttpRequest.newBuilder(url("/console/api/Inference/GenerateStream"))
                        .header("Authorization", "Bearer " + GatewayProcess.DEMO_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"prompt\":\"Once\",\"maxNewTokens\":2,\"adapters\":[\"demo/missing\"]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        // A failure before the stream opens is a JSON error, one after it an error event: either names the adapter.
        assertTrue(console.statusCode() == 404 || console.body().contains("event: error"), console.body());
        assertTrue(console.body().contains("demo/missing") && !console.body().contains("%2F"), console.body());
    }

    // --- Adapter files and sizes -----------------------------------------------------------------------------------

    @Test
    void aTempNetDeclaringAHugeHiddenSizeIsRefusedBeforeAnythingIsAllocated() throws Exception {
        Path folder = adapters.tempNet(31);
        Path config = folder.resolve("adapter_config.json");
        var json = (ObjectNode) new ObjectMapper().readTree(config.toFile());
        Files.writeString(config, json.put("hidden_size", 2_000_000_000).toString());
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> TestAdapters.upload(gateway.channel(GatewayProcess.DEMO_KEY), folder, "demo/huge-tempnet", ""));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("hidden_size"),
                e.getStatus().getDescription());
    }

    @Test
    void anAdapterFileDeclaringAHugeSafetensorsHeaderIsRefusedUnread() throws Exception {
        Path folder = adapters.lora(32, 4);
        byte[] file = new byte[4096];
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(folder.resolve("adapter_model.safetensors"), file);
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> TestAdapters.upload(gateway.channel(GatewayProcess.DEMO_KEY), folder, "demo/huge-header", ""));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("header"), e.getStatus().getDescription());
    }

    @Test
    void twoLorasInOneRequestAreRefusedBeforeEitherIsLoaded() throws Exception {
        for (String name : List.of("demo/first", "demo/second")) {
            TestAdapters.upload(gateway.channel(), adapters.lora(name.length() * 7L, 4), name, "stable");
        }
        double cached = gateway.metric("swapgate_adapters_host_bytes");
        StatusRuntimeException e = refusedGeneration("demo/first", "demo/second");
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(cached, gateway.metric("swapgate_adapters_host_bytes"), "no adapter was read to refuse it");
    }

    @Test
    void aTenantFindsNoOtherTenantsAnswersOnASharedTopic() throws Exception {
        send(GatewayProcess.DEMO_KEY, request("own-topic-1"));
        KafkaTestClients.first(broker.bootstrapServers(), "attacks.responses.demo", r -> isFinal(r, "own-topic-1"));
        try (var admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
            var topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertFalse(topics.contains("attacks.responses"), "answers went to a topic every tenant reads: " + topics);
            assertTrue(topics.contains("attacks.responses.demo"), topics.toString());
        }
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    /** The refusal of a short demo generation with {@code adapters}, over gRPC. */
    private static StatusRuntimeException refusedGeneration(String... adapters) {
        return assertThrows(
                StatusRuntimeException.class,
                () -> InferenceGrpc.newBlockingStub(gateway.channel(GatewayProcess.DEMO_KEY))
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .generate(E2e.greedy(E2e.PROMPT, 4).toBuilder()
                                .addAllAdapters(List.of(adapters))
                                .build()));
    }

    /** A Training.Start of {@code steps} steps on a small dataset. */
    private static StartTrainingRequest start(String adapter, int steps) {
        StartTrainingRequest.Builder start = StartTrainingRequest.newBuilder()
                .setAdapter(adapter)
                .setKind("lora")
                .setSteps(steps);
        for (int i = 0; i < 40; i++) {
            start.addExamples(TrainingExample.newBuilder()
                    .setExampleId("e" + i)
                    .setPrompt("Once upon a time")
                    .setCompletion(" there was a cat named Zig number " + i + "."));
        }
        return start.build();
    }

    private static KafkaRequest request(String id) {
        return KafkaRequest.newBuilder()
                .setRequestId(id)
                .setRequest(E2e.greedy(E2e.PROMPT, 4))
                .build();
    }

    private static void send(String key, KafkaRequest request) throws Exception {
        producer.send(new ProducerRecord<byte[], byte[]>(
                        "attacks.requests", null, (byte[]) null, request.toByteArray(), headers(key)))
                .get(30, TimeUnit.SECONDS);
    }

    private static RecordHeaders headers(String key) {
        RecordHeaders headers = new RecordHeaders();
        if (key != null) {
            headers.add("authorization", ("Bearer " + key).getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static String errorCode(ConsumerRecord<byte[], byte[]> record) {
        return response(record).getError().getCode();
    }

    private static String errorMessage(ConsumerRecord<byte[], byte[]> record) {
        return response(record).getError().getMessage();
    }

    private static io.swapgate.proto.v1.KafkaResponse response(ConsumerRecord<byte[], byte[]> record) {
        try {
            return io.swapgate.proto.v1.KafkaResponse.parseFrom(record.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("not a KafkaResponse", e);
        }
    }

    /** The dead letter of the request {@code id} with {@code code}, waiting for it. */
    private static ConsumerRecord<byte[], byte[]> deadLetter(String id, String code) {
        return KafkaTestClients.first(
                broker.bootstrapServers(),
                "attacks.dlq",
                r -> code.equals(KafkaTestClients.header(r, "swapgate.dlq.code"))
                        && requestId(r).equals(id));
    }

    /** Whether a record is the final answer of a request whose id starts with {@code idPrefix}. */
    private static boolean isFinal(ConsumerRecord<byte[], byte[]> record, String idPrefix) {
        try {
            io.swapgate.proto.v1.KafkaResponse response = io.swapgate.proto.v1.KafkaResponse.parseFrom(record.value());
            return response.getFinal() && response.getRequestId().startsWith(idPrefix);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static String requestId(ConsumerRecord<byte[], byte[]> record) {
        try {
            return KafkaRequest.parseFrom(record.value()).getRequestId();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return "";
        }
    }

    private static URI url(String path) {
        return URI.create("http://localhost:" + gateway.port() + path);
    }

    private static String rawStatus(String request) throws Exception {
        try (Socket socket = new Socket("localhost", gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(16), StandardCharsets.US_ASCII);
            assertNotEquals("", answer);
            return answer;
        }
    }

    private static byte[] multipart(String boundary, byte[] file) {
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + file.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(file, 0, body, head.length, file.length);
        System.arraycopy(tail, 0, body, head.length + file.length, tail.length);
        return body;
    }

    private static long files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var listing = Files.list(dir)) {
            return listing.count();
        }
    }
}
