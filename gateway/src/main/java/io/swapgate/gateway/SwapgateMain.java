package io.swapgate.gateway;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.swapgate.gateway.cli.GenerateCommand;
import io.swapgate.gateway.cli.AdaptersCommand;
import io.swapgate.gateway.cli.ExamplesCommand;
import io.swapgate.gateway.cli.JobsCommand;
import io.swapgate.gateway.cli.KeysCommand;
import java.util.Arrays;

/**
 * Entry point of the gateway jar. With no arguments it serves; {@code generate ...} instead runs the
 * command-line client against a running gateway; {@code adapters}, {@code jobs}, {@code examples} and {@code keys} run
 * the adapter, training-job, example and API-key tools, without starting the server.
 */
@QuarkusMain
public class SwapgateMain {

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("generate")) {
            System.exit(GenerateCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("adapters")) {
            System.exit(AdaptersCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("keys")) {
            System.exit(KeysCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("jobs")) {
            System.exit(JobsCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("examples")) {
            System.exit(ExamplesCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        Quarkus.run(args);
    }
}
