package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.swapgate.proto.v1.InferenceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The TLS configuration in docs/operations.md, for real: a self-signed certificate made with the JDK's keytool, the
 * gateway serving gRPC over TLS on its TLS port, a client that trusts that certificate (and still sends its API key).
 */
class TlsIT {

    private static final String PASSWORD = "changeit";

    @Test
    void grpcIsServedOverTlsWithTheDocumentedSettings() throws Exception {
        Path dir = E2e.emptyDir(E2e.targetDir().resolve("tls"));
        Path keyStore = dir.resolve("server.p12");
        Path certificate = dir.resolve("server.crt");
        keytool(
                "-genkeypair",
                "-alias",
                "swapgate",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "swapgate",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                PASSWORD,
                "-file",
                certificate.toString());
        int tlsPort = GatewayProcess.freePort();
        try (GatewayProcess gateway = GatewayProcess.start(
                "tls",
                E2e.stories260K(),
                GatewayProcess.registryDir("tls"),
                Map.of(
                        "quarkus.tls.key-store.p12.path", keyStore.toString(),
                        "quarkus.tls.key-store.p12.password", PASSWORD,
                        "quarkus.http.ssl-port", Integer.toString(tlsPort)))) {
            ManagedChannel tls = NettyChannelBuilder.forAddress("localhost", tlsPort)
                    .sslContext(GrpcSslContexts.forClient()
                            .trustManager(certificate.toFile())
                            .build())
                    .intercept(MetadataUtils.newAttachHeadersInterceptor(bearer(GatewayProcess.DEMO_KEY)))
                    .build();
            ManagedChannel plaintextToTls = NettyChannelBuilder.forAddress("localhost", tlsPort)
                    .usePlaintext()
                    .build();
            try {
                String overTls = InferenceGrpc.newBlockingStub(tls)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .generate(E2e.greedy(E2e.PROMPT, 40))
                        .getText();
                E2e.assertReferencePrefix(overTls, "completion over TLS");
                assertThrows(
                        StatusRuntimeException.class,
                        () -> InferenceGrpc.newBlockingStub(plaintextToTls)
                                .withDeadlineAfter(10, TimeUnit.SECONDS)
                                .generate(E2e.greedy(E2e.PROMPT, 5)));
            } finally {
                tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                plaintextToTls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static Metadata bearer(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return headers;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(
                List.of(E2e.javaExecutable().resolveSibling("keytool").toString()));
        command.addAll(List.of(args));
        E2e.CommandResult result = E2e.run(command, E2e.targetDir(), Map.of(), Duration.ofSeconds(60), "keytool");
        assertEquals(0, result.exitCode(), result::describe);
    }
}
