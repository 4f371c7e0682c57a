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
        String key = apiKey != null ? apiKey : System.getenv(API_KEY_ENVIRONMENT);
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forAddress(host, port).usePlaintext();
        if (key != null && !key.isBlank()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key.strip());
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return builder.build();
    }
}
