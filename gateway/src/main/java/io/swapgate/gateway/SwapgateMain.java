package io.swapgate.gateway;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.swapgate.gateway.cli.SwapgateCli;

/**
 * Entry point of the gateway jar. With no arguments it serves; {@code generate}, {@code adapters}, {@code jobs},
 * {@code examples} and {@code keys} run the command-line tools ({@link SwapgateCli}) without starting the server.
 */
@QuarkusMain
public class SwapgateMain {

    public static void main(String... args) {
        if (SwapgateCli.handles(args)) {
            System.exit(SwapgateCli.run(args, System.out, System.err));
        }
        Quarkus.run(args);
    }
}
