package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code ./swapgate} launcher: {@code generate} streams from a running gateway, {@code adapters} manages its registry. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CliGenerateIT {

    private static GatewayProcess gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = GatewayProcess.start("cli", E2e.stories260K());
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void generatePrintsThePromptAndTheGreedyCompletion() throws Exception {
        E2e.CommandResult result = swapgate(
                List.of(
                        "generate",
                        "--temperature",
                        "0",
                        "--max-tokens",
                        "40",
                        "--port",
                        Integer.toString(gateway.port()),
                        E2e.PROMPT),
                Map.of());
        assertCompletion(result);
    }

    @Test
    void adaptersPublishedByTheLauncherAreManagedAndServedByName() throws Exception {
        String port = Integer.toString(gateway.port());
        String tenant = "cli" + Long.toString(System.nanoTime(), 36);
        Path work = E2e.targetDir().resolve("e2e-work").resolve(tenant);
        // A key for this run's tenant, added to the running gateway's key file; later commands send it.
        E2e.CommandResult key =
                swapgate(List.of("keys", "add", "--file", gateway.keyFile().toString(), "--tenant", tenant), Map.of());
        assertEquals(0, key.exitCode(), key::describe);
        Map<String, String> asTenant =
                Map.of("SWAPGATE_API_KEY", key.stdout().replaceAll("(?s).*key \\(shown only now\\): (\\S+).*", "$1"));
        // Offline: straight into the registry folder the running gateway serves from.
        E2e.CommandResult made = swapgate(
                List.of(
                        "adapters",
                        "make-random",
                        "--model",
                        E2e.stories260K().toString(),
                        "--kind",
                        "tempnet",
                        "--out",
                        work.resolve("tempnet").toString(),
                        "--registry",
                        GatewayProcess.registryDir("cli").toString(),
                        "--publish",
                        tenant + "/tempnet",
                        "--promote",
                        "stable"),
                Map.of());
        assertEquals(0, made.exitCode(), made::describe);
        assertTrue(made.stdout().contains("published " + tenant + "/tempnet@"), made::describe);
        // Over gRPC: push two versions, promote, roll back, list, show, delete.
        for (int seed = 1; seed <= 2; seed++) {
            E2e.CommandResult written = swapgate(
                    List.of(
                            "adapters",
                            "make-random",
                            "--model",
                            E2e.stories260K().toString(),
                            "--kind",
                            "lora",
                            "--rank",
                            "8",
                            "--seed",
                            Integer.toString(seed),
                            "--out",
                            work.resolve("lora" + seed).toString()),
                    Map.of());
            assertEquals(0, written.exitCode(), written::describe);
        }
        E2e.CommandResult pushed = swapgate(
                List.of(
                        "adapters",
                        "push",
                        work.resolve("lora1").toString(),
                        "--name",
                        tenant + "/lora",
                        "--promote",
                        "stable",
                        "--metric",
                        "eval_loss=1.5",
                        "--port",
                        port),
                asTenant);
        assertEquals(0, pushed.exitCode(), pushed::describe);
        assertTrue(
                pushed.stdout()
                        .matches("(?s)published " + tenant
                                + "/lora@[0-9a-f]{64} \\(lora, .*\\), aliases latest, stable\\n"),
                pushed::describe);
        assertTrue(pushed.stderr().contains("100% of"), pushed::describe);
        String first = pushed.stdout().replaceAll("(?s).*@([0-9a-f]{64}).*", "$1");
        E2e.CommandResult second = swapgate(
                List.of(
                        "adapters",
                        "push",
                        work.resolve("lora2").toString(),
                        "--name",
                        tenant + "/lora",
                        "--port",
                        port),
                asTenant);
        String latest = second.stdout().replaceAll("(?s).*@([0-9a-f]{64}).*", "$1");
        E2e.CommandResult promoted = swapgate(
                List.of("adapters", "promote", tenant + "/lora", "stable", latest.substring(0, 12), "--port", port),
                asTenant);
        assertEquals(
                tenant + "/lora@stable -> " + latest + " (was " + first + ")\n", promoted.stdout(), promoted::describe);
        E2e.CommandResult rolledBack =
                swapgate(List.of("adapters", "rollback", tenant + "/lora", "stable", "--port", port), asTenant);
        assertEquals(
                tenant + "/lora@stable -> " + first + " (was " + latest + ")\n",
                rolledBack.stdout(),
                rolledBack::describe);

        E2e.CommandResult list = swapgate(List.of("adapters", "list", "--tenant", tenant, "--port", port), asTenant);
        assertTrue(list.stdout().startsWith("ADAPTER"), list::describe);
        assertTrue(
                list.stdout().contains(tenant + "/lora") && list.stdout().contains("stable=" + first.substring(0, 12)),
                list::describe);
        E2e.CommandResult asDemo = swapgate(List.of("adapters", "show", tenant + "/lora", "--port", port), Map.of());
        assertEquals(1, asDemo.exitCode(), asDemo::describe);
        assertTrue(
                asDemo.stderr().contains("PERMISSION_DENIED: tenant 'demo' may not use adapter '" + tenant + "/lora'"),
                asDemo::describe);
        E2e.CommandResult show = swapgate(List.of("adapters", "show", tenant + "/lora", "--port", port), asTenant);
        assertTrue(
                show.stdout().contains(first.substring(0, 12)) && show.stdout().contains("{eval_loss=1.5}"),
                show::describe);

        E2e.CommandResult generated = swapgate(
                List.of(
                        "generate",
                        "--max-tokens",
                        "20",
                        "--seed",
                        "3",
                        "--adapter",
                        tenant + "/lora",
                        "--adapter",
                        tenant + "/tempnet",
                        "--temperatures",
                        "--port",
                        port,
                        E2e.PROMPT),
                asTenant);
        assertEquals(0, generated.exitCode(), generated::describe);
        assertTrue(
                generated
                        .stderr()
                        .contains("[adapter " + tenant + "/lora: lora " + first.substring(0, 12) + ", rank 8]"),
                generated::describe);
        assertTrue(
                generated.stderr().matches("(?s).*\\[adapter " + tenant + "/tempnet: tempnet [0-9a-f]{12}].*"),
                generated::describe);
        assertTrue(generated.stderr().matches("(?s).*\\[temperatures \\[\\d.*"), generated::describe);

        E2e.CommandResult refused =
                swapgate(List.of("adapters", "rm", tenant + "/lora", first, "--port", port), asTenant);
        assertEquals(1, refused.exitCode(), refused::describe);
        assertTrue(
                refused.stderr().contains("FAILED_PRECONDITION")
                        && refused.stderr().contains("alias 'stable' points at it"),
                refused::describe);
        E2e.CommandResult missing =
                swapgate(List.of("generate", "--adapter", tenant + "/absent", "--port", port, E2e.PROMPT), asTenant);
        assertEquals(1, missing.exitCode(), missing::describe);
        assertTrue(
                missing.stderr().contains("NOT_FOUND: adapter '" + tenant + "/absent' not found"), missing::describe);
    }

    @Test
    void jobsStartTrainsOnAJsonlDatasetWithAProgressBarAndASummary() throws Exception {
        Path dataset = E2e.targetDir().resolve("e2e-work").resolve("cli-fact.jsonl");
        java.nio.file.Files.createDirectories(dataset.getParent());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            lines.append("{\"id\": \"f")
                    .append(i)
                    .append("\", \"prompt\": \"")
                    .append(TrainingLoopIT.PROMPT)
                    .append("\", \"completion\": \"")
                    .append(TrainingLoopIT.ANSWER)
                    .append("\"}\n");
        }
        java.nio.file.Files.writeString(dataset, lines);
        String adapter = "demo/fact" + Long.toString(System.nanoTime(), 36); // the gateway's registry outlives a run
        Map<String, String> asDemo =
                Map.of("SWAPGATE_API_KEY", GatewayProcess.DEMO_KEY, "SWAPGATE_PORT", Integer.toString(gateway.port()));
        E2e.CommandResult started =
                swapgate(List.of("jobs", "start", adapter, "--steps", "30", "--examples", dataset.toString()), asDemo);
        assertEquals(0, started.exitCode(), started::describe);
        assertTrue(started.stdout().contains("PROMOTED after"), started::describe);
        assertTrue(started.stdout().contains("held-out loss"), started::describe);
        assertTrue(started.stderr().contains("step 30/30"), started::describe);
        E2e.CommandResult listed = swapgate(List.of("jobs", "list", "--adapter", adapter), asDemo);
        assertEquals(0, listed.exitCode(), listed::describe);
        assertTrue(listed.stdout().contains(adapter) && listed.stdout().contains("PROMOTED"), listed::describe);
        E2e.CommandResult unknown = swapgate(List.of("jobs", "cancel", "no-such-job"), asDemo);
        assertEquals(1, unknown.exitCode(), unknown::describe);
        assertTrue(unknown.stderr().contains("NOT_FOUND"), unknown::describe);
    }

    @Test
    void portComesFromSwapgatePortWhenNoFlagGivesIt() throws Exception {
        E2e.CommandResult result = swapgate(
                List.of("generate", "--temperature", "0", "--max-tokens", "40", E2e.PROMPT),
                Map.of("SWAPGATE_PORT", Integer.toString(gateway.port())));
        assertCompletion(result);
    }

    private static E2e.CommandResult swapgate(List<String> args, Map<String, String> extraEnv) throws Exception {
        return E2e.swapgate(args, extraEnv);
    }

    private static void assertCompletion(E2e.CommandResult result) {
        assertEquals(0, result.exitCode(), result::describe);
        String stdout = result.stdout().endsWith("\n")
                ? result.stdout().substring(0, result.stdout().length() - 1)
                : result.stdout();
        assertTrue(stdout.startsWith(E2e.PROMPT), () -> "stdout does not start with the prompt\n" + result.describe());
        E2e.assertReferencePrefix(stdout.substring(E2e.PROMPT.length()), "swapgate generate's completion on stdout");
    }
}
