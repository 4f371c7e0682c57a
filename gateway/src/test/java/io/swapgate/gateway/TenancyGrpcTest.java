package io.swapgate.gateway;

import static io.swapgate.gateway.TestGateway.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.gateway.cli.SwapgateCli;
import io.swapgate.proto.v1.AdapterSummary;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.GetUsageRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.ListUsageRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RollbackRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.WatchRequest;
import io.swapgate.proto.v1.WhoAmIRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Authentication and authorization over real gRPC (and the HTTP API): keys, rotation, tenants kept apart, sharing and
 * admins. Tenant demo owns demo/private and demo/shared; demo/shared is shared with tenant other (application.properties).
 */
@QuarkusTest
class TenancyGrpcTest {

    @TestHTTPResource("/")
    URL base;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final TestAdapterFiles files = new TestAdapterFiles(System.nanoTime());

    @BeforeEach
    void publishDemoAdapters() throws Exception {
        ManagedChannel demo = channel(TestGateway.DEMO_KEY);
        for (String name : List.of("demo/private", "demo/shared")) {
            TestAdapterFiles.upload(
                    demo,
                    files.write(files.random.lora("x", 2, 4f, false, 0, EnumSet.of(LoraModule.Q))),
                    UploadManifest.newBuilder().setName(name).setPromote("stable"));
        }
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel channel(String key) {
        ManagedChannel channel = TestGateway.channel(base, key);
        channels.add(channel);
        return channel;
    }

    private InferenceGrpc.InferenceBlockingStub inference(String key) {
        return InferenceGrpc.newBlockingStub(channel(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private AdaptersGrpc.AdaptersBlockingStub adapters(String key) {
        return AdaptersGrpc.newBlockingStub(channel(key)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static GenerateRequest greedy(String... adapters) {
        return GenerateRequest.newBuilder()
                .setPrompt("Once upon a time")
                .setMaxNewTokens(5)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .addAllAdapters(List.of(adapters))
                .build();
    }

    @Test
    void callsWithoutAValidKeyAreUnauthenticated() {
        assertStatus(
                Status.Code.UNAUTHENTICATED,
                "missing API key",
                () -> inference(null).generate(greedy()));
        assertStatus(
                Status.Code.UNAUTHENTICATED,
                "missing API key",
                () -> adapters(null).list(ListAdaptersRequest.getDefaultInstance()));
        assertStatus(
                Status.Code.UNAUTHENTICATED,
                "invalid API key",
                () -> inference("demo-key-x").generate(greedy()));
        assertStatus(
                Status.Code.UNAUTHENTICATED,
                "must be 'Bearer <key>'",
                () -> inference("").generateStream(greedy()).hasNext());
        assertEquals(
                "demo",
                TenantsGrpc.newBlockingStub(channel(TestGateway.DEMO_KEY))
                        .whoAmI(WhoAmIRequest.getDefaultInstance())
                        .getTenant());
    }

    @Test
    void aRotatedKeyWorksAtOnceAndTheRemovedOneStops() throws Exception {
        String file = "target/test-classes/test-keys";
        assertEquals(
                0, keys("add", "--file", file, "--tenant", "rotating", "--id", "rotating-1", "--key", "first-secret"));
        try {
            assertEquals(
                    5, inference("first-secret").generate(greedy()).getUsage().getCompletionTokens());
            assertEquals(
                    0,
                    keys(
                            "add",
                            "--file",
                            file,
                            "--tenant",
                            "rotating",
                            "--id",
                            "rotating-2",
                            "--key",
                            "second-secret"));
            assertEquals(0, keys("rm", "--file", file, "rotating-1"));
            assertEquals(
                    "rotating-2",
                    TenantsGrpc.newBlockingStub(channel("second-secret"))
                            .whoAmI(WhoAmIRequest.getDefaultInstance())
                            .getKeyId());
            assertStatus(
                    Status.Code.UNAUTHENTICATED,
                    "invalid API key",
                    () -> inference("first-secret").generate(greedy()));
        } finally {
            keys("rm", "--file", file, "rotating-1");
            keys("rm", "--file", file, "rotating-2");
        }
    }

    @Test
    void aTenantCannotTouchAnotherTenantsAdaptersAndCannotTellWhetherTheyExist() {
        var inference = inference(TestGateway.OTHER_KEY);
        var adapters = adapters(TestGateway.OTHER_KEY);
        for (String name : List.of("demo/private", "demo/no-such-adapter")) {
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    "tenant 'other' may not use adapter '" + name + "'",
                    () -> inference.generate(greedy(name + "@stable")));
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    "tenant 'other' may not use adapter '" + name + "'",
                    () -> adapters.get(
                            GetAdapterRequest.newBuilder().setName(name).build()));
            String manage = "tenant 'other' may not manage tenant 'demo'";
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    manage,
                    () -> adapters.promote(PromoteRequest.newBuilder()
                            .setName(name)
                            .setAlias("stable")
                            .setVersion("latest")
                            .build()));
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    manage,
                    () -> adapters.rollback(RollbackRequest.newBuilder()
                            .setName(name)
                            .setAlias("stable")
                            .build()));
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    manage,
                    () -> adapters.delete(DeleteRequest.newBuilder()
                            .setName(name)
                            .setVersion("latest")
                            .build()));
            assertStatus(
                    Status.Code.PERMISSION_DENIED,
                    manage,
                    () -> TestAdapterFiles.upload(
                            channel(TestGateway.OTHER_KEY),
                            files.write(files.random.lora("x", 2, 4f, false, 0, EnumSet.of(LoraModule.Q))),
                            UploadManifest.newBuilder().setName(name)));
        }
        assertStatus(
                Status.Code.PERMISSION_DENIED,
                "may not manage tenant 'demo'",
                () -> adapters.list(
                        ListAdaptersRequest.newBuilder().setTenant("demo").build()));
        assertStatus(
                Status.Code.PERMISSION_DENIED,
                "may not manage tenant 'demo'",
                () -> adapters.watch(WatchRequest.newBuilder().setTenant("demo").build())
                        .hasNext());
        assertTrue(
                adapters.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList().stream()
                        .noneMatch(a -> a.getName().startsWith("demo/")),
                "a tenant's own listing shows only its adapters");
        assertStatus(
                Status.Code.PERMISSION_DENIED,
                "may not manage tenant 'demo'",
                () -> TenantsGrpc.newBlockingStub(channel(TestGateway.OTHER_KEY))
                        .getUsage(GetUsageRequest.newBuilder().setTenant("demo").build()));
        assertStatus(
                Status.Code.PERMISSION_DENIED,
                "only an admin key",
                () -> TenantsGrpc.newBlockingStub(channel(TestGateway.OTHER_KEY))
                        .listUsage(ListUsageRequest.getDefaultInstance()));
    }

    @Test
    void aSharedAdapterMayBeUsedButNotManagedByTheTenantItIsSharedWith() {
        var served = inference(TestGateway.OTHER_KEY).generate(greedy("demo/shared@stable"));
        assertEquals("demo/shared", served.getAdapters(0).getReference());
        assertEquals(
                served.getText(),
                inference(TestGateway.DEMO_KEY)
                        .generate(greedy("demo/shared@stable"))
                        .getText());
        assertStatus(
                Status.Code.PERMISSION_DENIED,
                "may not manage tenant 'demo'",
                () -> adapters(TestGateway.OTHER_KEY)
                        .promote(PromoteRequest.newBuilder()
                                .setName("demo/shared")
                                .setAlias("stable")
                                .setVersion("latest")
                                .build()));
    }

    @Test
    void aListingIncludesTheAdaptersSharedWithTheTenantOnlyWhenAsked() {
        var other = adapters(TestGateway.OTHER_KEY);
        List<String> own = other.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList().stream()
                .map(AdapterSummary::getName)
                .toList();
        assertTrue(own.stream().noneMatch(name -> name.startsWith("demo/")), own.toString());
        var withShared = other.list(
                        ListAdaptersRequest.newBuilder().setIncludeShared(true).build())
                .getAdaptersList();
        List<String> names = withShared.stream().map(AdapterSummary::getName).toList();
        assertTrue(names.contains("demo/shared") && !names.contains("demo/private"), names.toString());
        assertEquals(
                own,
                names.stream().filter(name -> !name.equals("demo/shared")).toList(),
                "the tenant's own come first, unchanged");
        AdapterSummary shared = withShared.stream()
                .filter(a -> a.getName().equals("demo/shared"))
                .findFirst()
                .orElseThrow();
        var details =
                other.get(GetAdapterRequest.newBuilder().setName("demo/shared").build());
        assertEquals(
                details.getAliasesMap().get("stable"), shared.getAliasesMap().get("stable"));
        assertEquals(details.getVersionsCount(), shared.getVersionCount());
    }

    @Test
    void theOwnerAndAnAdminManageTheAdapter() {
        var own = adapters(TestGateway.DEMO_KEY);
        assertTrue(own.list(ListAdaptersRequest.getDefaultInstance()).getAdaptersList().stream()
                .allMatch(a -> a.getName().startsWith("demo/")));
        own.promote(PromoteRequest.newBuilder()
                .setName("demo/private")
                .setAlias("canary")
                .setVersion("stable")
                .build());
        var admin = adapters(TestGateway.ADMIN_KEY);
        assertTrue(admin.list(ListAdaptersRequest.newBuilder().setTenant("demo").build()).getAdaptersList().stream()
                .anyMatch(a -> a.getName().equals("demo/private")));
        admin.rollback(RollbackRequest.newBuilder()
                .setName("demo/private")
                .setAlias("stable")
                .build());
        assertEquals(
                5,
                inference(TestGateway.ADMIN_KEY)
                        .generate(greedy("demo/private@canary"))
                        .getUsage()
                        .getCompletionTokens());
        var usage = TenantsGrpc.newBlockingStub(channel(TestGateway.ADMIN_KEY))
                .listUsage(ListUsageRequest.getDefaultInstance());
        assertTrue(usage.getTenantsList().stream().anyMatch(t -> t.getTenant().equals("demo")), usage.toString());
    }

    @Test
    void theHttpApiAuthenticatesAndAuthorizesTheSameWay() throws Exception {
        // HTTP/1.1: a connection that brings a refused key is closed once answered, an HTTP/2 one with a GOAWAY that
        // JDK 17's client does not retry a request across (see StrangerConnections).
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"model\": \"demo/private@stable\", \"prompt\": \"Once upon a time\", \"max_tokens\": 3}";
        assertEquals(401, post(http, body, null).statusCode());
        assertEquals(401, post(http, body, "wrong").statusCode());
        HttpResponse<String> denied = post(http, body, TestGateway.OTHER_KEY);
        assertEquals(403, denied.statusCode(), denied.body());
        assertTrue(denied.body().contains("may not use adapter 'demo/private'"), denied.body());
        assertEquals(200, post(http, body, TestGateway.DEMO_KEY).statusCode());
        HttpResponse<String> models = http.send(
                HttpRequest.newBuilder(URI.create(base + "v1/models"))
                        .header("Authorization", "Bearer " + TestGateway.OTHER_KEY)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(models.body().contains("\"demo/shared\"") && !models.body().contains("demo/private"), models.body());
    }

    private HttpResponse<String> post(HttpClient http, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int keys(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] command = new String[args.length + 1];
        command[0] = "keys";
        System.arraycopy(args, 0, command, 1, args.length);
        return SwapgateCli.run(command, new PrintStream(out), new PrintStream(out));
    }
}
