package io.swapgate.gateway.cli;

import io.grpc.StatusRuntimeException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The jar's command-line tools, parsed by picocli: a client of a running gateway ({@code generate}, {@code adapters},
 * {@code jobs}), a producer of training examples ({@code examples}), the key-file tool ({@code keys}) and a look at the native
 * library ({@code runtime}). Every command
 * takes {@code --help}. Exit codes: 0 done, 1 a call or the work failed, 2 a usage error.
 */
@Command(
        name = "swapgate",
        description = "Swapgate's tools. With no command the jar serves (./swapgate serve).",
        subcommands = {
            GenerateCommand.class,
            AdaptersCommand.class,
            JobsCommand.class,
            ExamplesCommand.class,
            KeysCommand.class,
            RuntimeCommand.class
        })
public final class SwapgateCli {

    private static final Set<String> COMMANDS =
            Set.of("generate", "adapters", "jobs", "examples", "keys", "runtime", "--help", "-h");

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    boolean help;

    private SwapgateCli() {}

    /** Whether {@code args} name one of these tools, rather than options for the server. */
    public static boolean handles(String... args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /** Runs the tool {@code args} name; returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = commandLine(out, err);
        try {
            return cli.execute(args);
        } finally {
            cli.getOut().flush();
            cli.getErr().flush();
        }
    }

    /** The command tree, writing UTF-8 to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new SwapgateCli());
        cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setExecutionExceptionHandler(SwapgateCli::failed);
        return cli;
    }

    /** A failed command: the gateway's status, or a usage error with the command's help, or the failure's message. */
    private static int failed(Exception failure, CommandLine command, CommandLine.ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (failure instanceof StatusRuntimeException call) {
            err.println("error: " + call.getStatus().getCode() + ": "
                    + call.getStatus().getDescription());
            return 1;
        }
        err.println("error: " + failure.getMessage());
        if (failure instanceof IllegalArgumentException) {
            command.usage(err);
            return 2;
        }
        return 1;
    }
}
