package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@code ./swapgate} launcher: {@code generate} streams from a running gateway, {@code adapters} writes adapters it serves. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CliGenerateTest {

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
        E2e.CommandResult result = swapgate(List.of("generate", "--temperature", "0", "--max-tokens", "40",
                "--port", Integer.toString(gateway.port()), E2e.PROMPT), Map.of());
        assertCompletion(result);
    }

    @Test
    void randomAdaptersMadeByTheLauncherAreServedByName() throws Exception {
        String adapters = GatewayProcess.adapterDir("cli").toString();
        for (String kind : List.of("lora", "tempnet")) {
            E2e.CommandResult made = swapgate(List.of("adapters", "make-random", "--model", E2e.stories260K().toString(),
                    "--kind", kind, "--out", adapters + "/cli/" + kind, "--name", "cli/" + kind, "--rank", "8"), Map.of());
            assertEquals(0, made.exitCode(), made::describe);
            assertTrue(made.stdout().contains("wrote " + kind + " adapter for stories260K"), made::describe);
        }
        E2e.CommandResult result = swapgate(List.of("generate", "--max-tokens", "20", "--seed", "3", "--adapter", "cli/lora",
                "--adapter", "cli/tempnet", "--temperatures", "--port", Integer.toString(gateway.port()), E2e.PROMPT), Map.of());
        assertEquals(0, result.exitCode(), result::describe);
        assertTrue(result.stderr().matches("(?s).*\\[adapter cli/lora: lora [0-9a-f]{12}, rank 8].*"), result::describe);
        assertTrue(result.stderr().matches("(?s).*\\[adapter cli/tempnet: tempnet [0-9a-f]{12}].*"), result::describe);
        assertTrue(result.stderr().matches("(?s).*\\[temperatures \\[\\d.*"), result::describe);

        E2e.CommandResult missing = swapgate(List.of("generate", "--adapter", "cli/absent", "--port",
                Integer.toString(gateway.port()), E2e.PROMPT), Map.of());
        assertEquals(1, missing.exitCode(), missing::describe);
        assertTrue(missing.stderr().contains("NOT_FOUND: adapter 'cli/absent' not found"), missing::describe);
    }

    @Test
    void portComesFromSwapgatePortWhenNoFlagGivesIt() throws Exception {
        E2e.CommandResult result = swapgate(List.of("generate", "--temperature", "0", "--max-tokens", "40", E2e.PROMPT),
                Map.of("SWAPGATE_PORT", Integer.toString(gateway.port())));
        assertCompletion(result);
    }

    private static E2e.CommandResult swapgate(List<String> args, Map<String, String> extraEnv) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(E2e.repoRoot().resolve("swapgate").toString());
        command.addAll(args);
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("DJL_CACHE_DIR", E2e.djlCacheDir());
        // The launcher runs `java` from PATH: make it the JVM running the tests.
        env.put("PATH", E2e.javaExecutable().getParent() + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        return E2e.run(command, E2e.repoRoot(), env, Duration.ofSeconds(90), "cli-" + args.get(0));
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
