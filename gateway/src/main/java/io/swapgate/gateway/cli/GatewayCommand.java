package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.Set;

/** A subcommand against a running gateway: parses flags, opens the channel, and turns failures into exit codes. */
final class GatewayCommand {

    /** Flags every gateway command takes. */
    static final Set<String> CONNECTION_FLAGS = Set.of("--host", "--port", "--api-key");

    /** What the command does once connected; returns the exit code. */
    @FunctionalInterface
    interface Body {
        int run(ManagedChannel channel, CommandLine line) throws Exception;
    }

    private GatewayCommand() {}

    /** Runs {@code body}; exit codes: its own, 1 when a call failed, 2 for a usage error. */
    static int run(String[] args, String usage, Set<String> valueFlags, Set<String> switches, PrintStream err, Body body) {
        CommandLine line;
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("a command is needed");
            }
            Set<String> flags = new java.util.HashSet<>(valueFlags);
            flags.addAll(CONNECTION_FLAGS);
            line = CommandLine.parse(args, 1, flags, switches);
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, usage, e.getMessage());
        }
        String port = line.option("--port", System.getenv().getOrDefault("SWAPGATE_PORT", "8080"));
        ManagedChannel channel = GatewayChannel.open(line.option("--host", "localhost"), Integer.parseInt(port),
                line.option("--api-key", null));
        try {
            return body.run(channel, line);
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, usage, e.getMessage());
        } catch (StatusRuntimeException e) {
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }
}
