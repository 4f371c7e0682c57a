package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that calls a running gateway: the connection flags, the channel, and the command line's streams. */
abstract class GatewayCall implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    GatewayConnection gateway;

    @Override
    public Integer call() throws Exception {
        return gateway.call(channel ->
                run(channel, spec.commandLine().getOut(), spec.commandLine().getErr()));
    }

    /** The command's calls; returns the exit code. */
    abstract int run(ManagedChannel channel, PrintWriter out, PrintWriter err) throws Exception;
}
