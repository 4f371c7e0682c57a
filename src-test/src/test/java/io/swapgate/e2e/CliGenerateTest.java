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

/** The {@code ./swapgate generate} launcher streams a completion from a running gateway. */
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
        E2e.CommandResult result = swapgate(List.of("--temperature", "0", "--max-tokens", "40",
                "--port", Integer.toString(gateway.port()), E2e.PROMPT), Map.of());
        assertCompletion(result);
    }

    @Test
    void portComesFromSwapgatePortWhenNoFlagGivesIt() throws Exception {
        E2e.CommandResult result = swapgate(List.of("--temperature", "0", "--max-tokens", "40", E2e.PROMPT),
                Map.of("SWAPGATE_PORT", Integer.toString(gateway.port())));
        assertCompletion(result);
    }

    private static E2e.CommandResult swapgate(List<String> generateArgs, Map<String, String> extraEnv) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(E2e.repoRoot().resolve("swapgate").toString());
        command.add("generate");
        command.addAll(generateArgs);
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("DJL_CACHE_DIR", E2e.djlCacheDir());
        // The launcher runs `java` from PATH: make it the JVM running the tests.
        env.put("PATH", E2e.javaExecutable().getParent() + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        return E2e.run(command, E2e.repoRoot(), env, Duration.ofSeconds(90), "cli-generate");
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
