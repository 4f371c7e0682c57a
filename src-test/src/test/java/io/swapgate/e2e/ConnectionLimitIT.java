package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.WhoAmIRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that opens connections without end (a leak, or an attack) meets the gateway's connection limit: the
 * connection over it is closed at once (UNAVAILABLE to a gRPC client), those already open keep working, and a slot
 * freed by a closed connection is taken by the next.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ConnectionLimitIT {

    private static final int LIMIT = 4;

    @Test
    void aConnectionOverTheLimitIsRefusedAndAFreedSlotIsReused() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(
                "connections",
                E2e.stories260K(),
                GatewayProcess.registryDir("connections"),
                Map.of("quarkus.http.limits.max-connections", Integer.toString(LIMIT)))) {
            List<ManagedChannel> held = new ArrayList<>();
            StatusRuntimeException refused = null;
            try {
                while (refused == null && held.size() <= LIMIT) {
                    ManagedChannel channel = GatewayProcess.openChannel(gateway.port(), GatewayProcess.DEMO_KEY);
                    try {
                        whoAmI(channel);
                        held.add(channel);
                    } catch (StatusRuntimeException e) {
                        refused = e;
                        close(channel);
                    }
                }
                assertNotNull(refused, held.size() + " connections were accepted with a limit of " + LIMIT);
                assertEquals(
                        Status.Code.UNAVAILABLE,
                        refused.getStatus().getCode(),
                        refused.getStatus().toString());
                // The readiness check's HTTP client may still hold a connection of its own.
                assertTrue(held.size() >= LIMIT - 1 && held.size() <= LIMIT, held.size() + " connections held");
                for (ManagedChannel channel : held) {
                    assertEquals("demo", whoAmI(channel), "a connection within the limit stops working");
                }

                close(held.remove(0));
                assertEquals("demo", whoAmIOnceASlotIsFree(gateway.port()));
            } finally {
                for (ManagedChannel channel : held) {
                    close(channel);
                }
            }
        }
    }

    /** The server counts a connection out when it sees it close, a moment after the client did: new ones are tried until then. */
    private static String whoAmIOnceASlotIsFree(int port) {
        // A refusal (the last one is the timeout's cause) means: not yet.
        return await("a connection is let in after one closed")
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .ignoreException(StatusRuntimeException.class)
                .until(() -> whoAmIOnNewConnection(port), Objects::nonNull);
    }

    private static String whoAmIOnNewConnection(int port) throws InterruptedException {
        ManagedChannel channel = GatewayProcess.openChannel(port, GatewayProcess.DEMO_KEY);
        try {
            return whoAmI(channel);
        } finally {
            close(channel);
        }
    }

    private static String whoAmI(ManagedChannel channel) {
        return TenantsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .whoAmI(WhoAmIRequest.getDefaultInstance())
                .getTenant();
    }

    private static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
