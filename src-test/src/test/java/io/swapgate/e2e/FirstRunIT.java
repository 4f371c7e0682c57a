package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdapterOptions;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.VersionInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's run command on an empty registry: {@code ./swapgate serve} trains the demo tenant's adapters through
 * the gateway it started, each promoted to stable by the evaluation gate, prints where the console is, and serves
 * them (with its own Kafka broker, as on a fresh machine). A second start finds them and trains nothing.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FirstRunIT {

    private static final String READY = "swapgate: ready on port";

    @Test
    void theFirstStartTrainsTheDemoAdaptersAndTheNextReusesThem() throws Exception {
        Path home = E2e.emptyDir(E2e.targetDir().resolve("first-run"));
        int port = GatewayProcess.freePort();
        Map<String, String> env = E2e.launcherEnvironment(Map.of(
                "SWAPGATE_PORT", Integer.toString(port),
                "SWAPGATE_MANAGEMENT_PORT", Integer.toString(GatewayProcess.freePort()),
                "SWAPGATE_REGISTRY", home.resolve("registry").toString(),
                "SWAPGATE_KEYS", home.resolve("keys").toString(),
                "SWAPGATE_KAFKA_PORT", Integer.toString(GatewayProcess.freePort()),
                "SWAPGATE_KAFKA_DIR", home.resolve("kafka").toString()));

        String firstLog = serveUntilReady(env, home.resolve("first.log"), () -> checkDemo(port));
        for (String name : new String[] {"lora", "dylora", "prompt", "prefix", "tempnet"}) {
            assertTrue(firstLog.contains("training demo/" + name), firstLog);
        }
        assertTrue(firstLog.contains("Console:  http://localhost:" + port + "/console/"), firstLog);

        String secondLog = serveUntilReady(env, home.resolve("second.log"), () -> {});
        assertFalse(secondLog.contains("training demo/"), "the demo adapters are kept: " + secondLog);
    }

    private static void checkDemo(int port) throws Exception {
        ManagedChannel channel = GatewayProcess.openChannel(port, "demo-key");
        try {
            var adapters = AdaptersGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            for (String name : new String[] {"lora", "dylora", "prompt", "prefix", "tempnet"}) {
                AdapterDetails details = adapters.get(
                        GetAdapterRequest.newBuilder().setName("demo/" + name).build());
                VersionInfo stable = details.getVersionsList().stream()
                        .filter(v -> v.getVersion().equals(details.getAliasesOrThrow("stable")))
                        .findFirst()
                        .orElseThrow();
                assertEquals(name.equals("dylora") ? "lora" : name, stable.getKind(), details.toString());
                assertTrue(stable.getMetricsMap().containsKey("eval_loss"), "trained and evaluated: " + stable);
                if (name.equals("dylora")) {
                    assertEquals(
                            List.of(8, 2),
                            List.of(stable.getRank(), stable.getMinRank()),
                            "a DyLoRA over ranks 2-8: " + stable);
                }
            }
            var inference = InferenceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            String named = inference
                    .generate(E2e.greedy(E2e.PROMPT, 30).toBuilder()
                            .addAdapters("demo/lora")
                            .build())
                    .getText();
            assertTrue(named.contains("named Mia"), "demo/lora names the heroine Mia: " + named);
            GenerateRequest smallest = E2e.greedy(E2e.PROMPT, 30).toBuilder()
                    .addAdapters("demo/dylora")
                    .setAdapterOptions(AdapterOptions.newBuilder().setLoraRank(2))
                    .build();
            String hero = inference.generate(smallest).getText();
            assertTrue(hero.contains("named Leo"), "demo/dylora names the hero Leo even at rank 2: " + hero);
            GenerateRequest dog = E2e.greedy("Once upon a time, there was a little dog.", 20);
            String styled = inference
                    .generate(dog.toBuilder().addAdapters("demo/prefix").build())
                    .getText();
            assertTrue(styled.contains("Zig"), "demo/prefix names the animal Zig: " + styled);
            GenerateRequest sampled = E2e.greedy(E2e.PROMPT, 40).toBuilder()
                    .setSampling(SamplingParams.newBuilder().setSeed(7))
                    .addAdapters("demo/tempnet")
                    .setReturnTemperatures(true)
                    .build();
            List<Float> temperatures = inference.generate(sampled).getTemperaturesList();
            double low =
                    temperatures.stream().mapToDouble(Float::doubleValue).min().orElseThrow();
            double high =
                    temperatures.stream().mapToDouble(Float::doubleValue).max().orElseThrow();
            // The DRO TempNet sat at its upper bound, 1.975-2.0, on every token.
            assertTrue(high - low > 0.3 && low < 1.5, "demo/tempnet varies the temperature per token: " + temperatures);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        HttpResponse<String> console = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/console/"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, console.statusCode());
        assertTrue(console.body().contains("Swapgate console"), console.body());
    }

    private interface Check {
        void run() throws Exception;
    }

    /** Runs {@code ./swapgate serve} until it prints that it is ready, runs {@code check}, stops it; returns its output. */
    private static String serveUntilReady(Map<String, String> env, Path log, Check check) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        E2e.repoRoot().resolve("swapgate").toString(), "serve")
                .directory(E2e.repoRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process launcher = builder.start();
        launcher.getOutputStream().close();
        java.util.List<ProcessHandle> children = java.util.List.of();
        try {
            awaitLine(launcher, log, READY, Duration.ofMinutes(4));
            children = launcher.descendants().toList(); // the gateway and the broker it started
            check.run();
        } finally {
            launcher.destroy(); // SIGTERM: the launcher stops the gateway, then the broker it started
            if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
                launcher.descendants().forEach(ProcessHandle::destroyForcibly);
                launcher.destroyForcibly();
                fail("./swapgate serve did not stop within 60 s of SIGTERM:\n" + E2e.read(log));
            }
        }
        for (ProcessHandle child : children) {
            child.onExit().get(30, TimeUnit.SECONDS); // fails the test if one outlives the launcher by 30 s
        }
        return E2e.read(log);
    }

    /** Waits for {@code line} in the launcher's output; fails at once if the launcher exits first. */
    private static void awaitLine(Process launcher, Path log, String line, Duration timeout) {
        await().atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .failFast(() -> {
                    if (!launcher.isAlive() && !E2e.read(log).contains(line)) {
                        fail("./swapgate serve exited with " + launcher.exitValue() + " before '" + line + "':\n"
                                + E2e.read(log));
                    }
                })
                .untilAsserted(() -> {
                    String output = E2e.read(log);
                    assertTrue(
                            output.contains(line),
                            () -> "no '" + line + "' from ./swapgate serve within " + timeout + ":\n" + output);
                });
    }
}
