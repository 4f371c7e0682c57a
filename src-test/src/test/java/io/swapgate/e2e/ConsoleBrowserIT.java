package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.ListTrainingJobsRequest;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.VersionInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web console in headless Chromium (Debian's package), driven by Playwright's {@code playwright-core} from npm by
 * keyboard alone ({@code src-test/node/console-test.js}): signing in, streaming a completion in the playground,
 * promoting and rolling back a version, a training job's live progress, the engine and residency views, and three
 * keys seeing three scopes. The script saves a screenshot of each view under {@code target/console-screenshots/};
 * this test checks what it reports against the gateway's gRPC API.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ConsoleBrowserIT {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final int TOKENS = 24;

    @Test
    void aTenantUsesEveryViewByKeyboardAndSeesOnlyItsOwn() throws Exception {
        assertTrue(
                Files.isExecutable(CHROMIUM),
                "the console test needs Debian's chromium at " + CHROMIUM + " (.ci/run installs it)");
        Path nodeDir = E2e.repoRoot().resolve("src-test/node");
        E2e.installNodeModules(nodeDir);
        Path registry = GatewayProcess.registryDir("console");
        E2e.deleteTree(registry);
        Path screenshots = E2e.emptyDir(E2e.targetDir().resolve("console-screenshots"));
        TestAdapters files =
                new TestAdapters(E2e.targetDir().resolve("e2e-work").resolve("console"));
        try (GatewayProcess gateway = GatewayProcess.start("console", E2e.stories260K(), registry)) {
            String v1 = TestAdapters.upload(gateway.channel(), files.lora(11, 4), "demo/story", "stable");
            String v2 = TestAdapters.upload(gateway.channel(), files.lora(12, 4), "demo/story", "");
            TestAdapters.upload(gateway.channel(), files.tempNet(13), "demo/temper", "stable");
            TestAdapters.upload(gateway.channel(), files.dyLora(14, 8, 2), "demo/dyn", "stable");
            TestAdapters.upload(gateway.channel(), files.lora(15, 4), "quiet/secret", "stable");

            E2e.CommandResult result = E2e.run(
                    List.of("node", "console-test.js"),
                    nodeDir,
                    Map.of(
                            "CONSOLE_URL",
                            "http://localhost:" + gateway.port() + "/console/",
                            "CHROMIUM",
                            CHROMIUM.toString(),
                            "SCREENSHOTS",
                            screenshots.toString(),
                            "DEMO_KEY",
                            GatewayProcess.DEMO_KEY,
                            "QUIET_KEY",
                            "quiet-key",
                            "ADMIN_KEY",
                            GatewayProcess.ADMIN_KEY,
                            "V1",
                            v1,
                            "V2",
                            v2,
                            "TOKENS",
                            Integer.toString(TOKENS)),
                    Duration.ofMinutes(5),
                    "console-test");
            assertEquals(0, result.exitCode(), result::describe);
            JsonNode report = new ObjectMapper()
                    .readTree(result.stdout()
                            .lines()
                            .filter(l -> l.startsWith("{"))
                            .reduce((a, b) -> b)
                            .orElseThrow());

            // The playground streamed what gRPC gives for the same request.
            GenerateRequest same = E2e.greedy(E2e.PROMPT, TOKENS).toBuilder()
                    .addAdapters("demo/story@stable")
                    .build();
            String expected = InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generate(same)
                    .getText();
            assertEquals(expected, report.get("playgroundText").asText(), "the playground's streamed text vs gRPC");
            assertTrue(report.get("temperaturesShown").asInt() > 0, report.toString());
            // demo/dyn serves ranks 2 to 8: the slider's smallest rank is the one that served.
            assertEquals(
                    List.of("2", "2"),
                    List.of(
                            report.get("dyLoraRankChosen").asText(),
                            report.get("dyLoraRankServed").asText()),
                    report.toString());

            // Promoted, then rolled back: stable names the first version again.
            assertEquals(
                    v1,
                    AdaptersGrpc.newBlockingStub(gateway.channel())
                            .get(GetAdapterRequest.newBuilder()
                                    .setName("demo/story")
                                    .build())
                            .getAliasesOrThrow("stable"));
            assertEquals(
                    List.of(v2.substring(0, 12), v1.substring(0, 12)),
                    List.of(
                            report.get("stableAfterPromote").asText(),
                            report.get("stableAfterRollback").asText()),
                    report.toString());

            // The job started from the console ran, and the console showed its steps as they came.
            List<TrainingJob> jobs = TrainingGrpc.newBlockingStub(gateway.channel())
                    .list(ListTrainingJobsRequest.newBuilder()
                            .setAdapter("demo/trained")
                            .build())
                    .getJobsList();
            assertEquals(1, jobs.size(), jobs.toString());
            assertTrue(
                    jobs.get(0).getState().equals("PROMOTED")
                            || jobs.get(0).getState().equals("PUBLISHED"),
                    jobs.toString());
            assertTrue(report.get("stepsSeen").size() >= 2, "progress should update live: " + report);
            // It asked for a DyLoRA over ranks 2-4, and published one.
            VersionInfo trained = AdaptersGrpc.newBlockingStub(gateway.channel())
                    .get(GetAdapterRequest.newBuilder().setName("demo/trained").build())
                    .getVersionsList()
                    .stream()
                    .filter(v -> v.getVersion().equals(jobs.get(0).getVersion()))
                    .findFirst()
                    .orElseThrow();
            assertEquals(List.of(4, 2), List.of(trained.getRank(), trained.getMinRank()), trained.toString());

            for (String view :
                    List.of("signin", "adapters", "playground", "training", "engine", "residency", "tenants")) {
                Path png = screenshots.resolve(view + ".png");
                assertTrue(Files.size(png) > 10_000, png + " should be a screenshot of the " + view + " view");
            }
        }
    }
}
