package io.swapgate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command-line tools' parsing, help and exit codes, with no gateway: what needs none runs for real. */
class SwapgateCliTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SwapgateCli.run(args, new PrintStream(out), new PrintStream(err));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> paths = new ArrayList<>();
        collect(SwapgateCli.commandLine(System.out, System.err), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 17, "commands found: " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run help = run(args.toArray(String[]::new));
            assertEquals(0, help.exitCode(), () -> path + ": " + help);
            assertTrue(
                    help.out().startsWith("Usage: swapgate" + (path.isEmpty() ? "" : " " + String.join(" ", path))),
                    () -> path + ": " + help.out());
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(name);
            collect(sub, deeper, paths);
        });
    }

    @Test
    void usageErrorsExitWithTwoAndSayWhat() {
        Run unknownFlag = run("generate", "--max-tokenz", "5", "hi");
        assertEquals(2, unknownFlag.exitCode(), unknownFlag::toString);
        assertTrue(
                unknownFlag.err().contains("Unknown option")
                        && unknownFlag.err().contains("'--max-tokenz'"),
                unknownFlag::toString);
        assertTrue(unknownFlag.err().contains("Possible solutions: --max-tokens"), unknownFlag::toString);

        Run notANumber = run("generate", "--max-tokens", "many", "hi");
        assertEquals(2, notANumber.exitCode(), notANumber::toString);
        assertTrue(notANumber.err().contains("'many' is not an int"), notANumber::toString);

        Run missing = run("adapters", "push", "/tmp/x");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("Missing required option: '--name=TENANT/NAME'"), missing::toString);

        Run noSubcommand = run("jobs");
        assertEquals(2, noSubcommand.exitCode(), noSubcommand::toString);
        assertTrue(noSubcommand.err().contains("Missing required subcommand"), noSubcommand::toString);

        Run badKind = run("adapters", "make-random", "--model", "m", "--out", "o", "--kind", "nope");
        assertEquals(2, badKind.exitCode(), badKind::toString);
        assertTrue(badKind.err().contains("error: unknown kind 'nope'"), badKind::toString);
    }

    @Test
    void keysAreAddedListedAndRemovedInTheFile(@TempDir Path dir) throws Exception {
        String file = dir.resolve("keys").toString();
        Run added = run("keys", "add", "--file", file, "--tenant", "acme", "--id", "acme-1", "--role", "tenant");
        assertEquals(0, added.exitCode(), added::toString);
        assertTrue(added.out().contains("added key 'acme-1' for tenant 'acme' (tenant)"), added::toString);
        String secret = added.out()
                .lines()
                .filter(l -> l.startsWith("key (shown only now): "))
                .findFirst()
                .orElseThrow()
                .substring("key (shown only now): ".length());
        assertFalse(Files.readString(dir.resolve("keys")).contains(secret), "only the key's hash is stored");

        Run listed = run("keys", "list", "--file", file);
        assertEquals(
                List.of("KEY ID  TENANT  ROLES", "acme-1  acme    tenant"),
                listed.out().lines().toList());

        Run absent = run("keys", "rm", "--file", file, "acme-2");
        assertEquals(2, absent.exitCode(), absent::toString);
        assertTrue(absent.err().contains("no key 'acme-2'"), absent::toString);
        assertEquals(0, run("keys", "rm", "--file", file, "acme-1").exitCode());
        assertEquals(
                List.of("KEY ID  TENANT  ROLES"),
                run("keys", "list", "--file", file).out().lines().toList());
    }

    @Test
    void aGatewayThatIsNotThereIsAFailureNotAUsageError() {
        Run refused = run("adapters", "list", "--port", "1");
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.err().startsWith("error: UNAVAILABLE"), refused::toString);
    }

    @Test
    void runtimeLoadsLibtorchAndSaysWhereItLies() {
        Run loaded = run("runtime");
        assertEquals(0, loaded.exitCode(), loaded::toString);
        List<String> lines = loaded.out().lines().toList();
        assertTrue(lines.get(0).matches("PyTorch \\d+\\.\\d+\\.\\d+"), loaded::toString);
        Path library = Path.of(lines.get(1).substring("library: ".length()));
        assertTrue(Files.isDirectory(library), "the library folder exists: " + library);
        assertTrue(lines.get(2).matches("gpus: +\\d+"), loaded::toString);
    }

    @Test
    void onlyTheToolsNamesLeaveTheServerAlone() {
        assertTrue(SwapgateCli.handles("keys", "list"));
        assertTrue(SwapgateCli.handles("--help"));
        assertFalse(SwapgateCli.handles());
        assertFalse(SwapgateCli.handles("-Dquarkus.http.port=1"));
    }
}
