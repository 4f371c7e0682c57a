package io.swapgate.gateway.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** The command-line client's connection to a gateway, sending the API key with every call. */
final class GatewayChannel {

    static final String API_KEY_ENVIRONMENT = "SWAPGATE_API_KEY";

    private GatewayChannel() {}

    /** @param apiKey the key to send, or null for {@code $SWAPGATE_API_KEY} (none when that is unset too) */
    static ManagedChannel open(String host, int port, String apiKey) {
        String key = apiKey(apiKey);
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forAddress(host, port).usePlaintext();
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
