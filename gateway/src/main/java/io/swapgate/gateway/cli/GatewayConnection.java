package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** The flags that reach a running gateway, and the channel they open, sending the API key with every call. */
final class GatewayConnection {

    static final String API_KEY_ENVIRONMENT = "SWAPGATE_API_KEY";

    /** What a command does over the channel. */
    @FunctionalInterface
    interface Calls<T> {
        T run(ManagedChannel channel) throws Exception;
    }

    @Option(names = "--host", defaultValue = "localhost", description = "Gateway host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "${env:SWAPGATE_PORT:-8080}",
            description = "Gateway port (default: $SWAPGATE_PORT or 8080).")
    int port;

    @Option(names = "--api-key", description = "API key (default: $SWAPGATE_API_KEY).")
    String apiKey;

    /** Opens the channel, runs {@code calls} and closes it. */
    <T> T call(Calls<T> calls) throws Exception {
        ManagedChannel channel = open();
        try {
            return calls.run(channel);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    ManagedChannel open() {
        String key = apiKey(apiKey);
        ManagedChannelBuilder<?> builder =
                ManagedChannelBuilder.forAddress(host, port).usePlaintext();
        if (key != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }

    /** The key given, else {@code $SWAPGATE_API_KEY}; null when neither is set. */
    static String apiKey(String given) {
        String key = given != null ? given : System.getenv(API_KEY_ENVIRONMENT);
        return key == null || key.isBlank() ? null : key.strip();
    }
}
