package io.swapgate.gateway.serving;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import sun.misc.Signal;

/**
 * SIGTERM starts Quarkus' orderly stop (requests in flight drain, see {@link ServedModel}) and the process then exits
 * with status 0: Kubernetes stops pods with SIGTERM, and a graceful stop is a success, not the JVM's default 143.
 */
@Startup
@ApplicationScoped
public class TerminationSignal {

    TerminationSignal() {
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
    }
}
