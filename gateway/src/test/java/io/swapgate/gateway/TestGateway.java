package io.swapgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URL;
import org.junit.jupiter.api.function.Executable;

/** Connections to the gateway under test, authenticated with the keys of src/test/resources/test-keys. */
final class TestGateway {

    /** Tenant demo. */
    static final String DEMO_KEY = "demo-key";
    /** Tenant other, with which demo/shared is shared. */
    static final String OTHER_KEY = "other-key";
    /** Tenant limited, with small quotas (application.properties, %test). */
    static final String LIMITED_KEY = "limited-key";
    /** Tenant ops, an admin: the tests of other features use it to reach every tenant. */
    static final String ADMIN_KEY = "admin-key";

    private TestGateway() {}

    /** Asserts that the call fails with {@code code} and a description containing {@code message}; returns the failure. */
    static StatusRuntimeException assertStatus(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        String description = e.getStatus().getDescription();
        assertTrue(
                description != null && description.contains(message), "expected '" + message + "' in: " + description);
        return e;
    }

    /** A plaintext gRPC channel to the test gateway sending {@code key} (none when null). */
    static ManagedChannel channel(URL base, String key) {
        ManagedChannelBuilder<?> builder =
                ManagedChannelBuilder.forAddress(base.getHost(), base.getPort()).usePlaintext();
        if (key != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }
}
