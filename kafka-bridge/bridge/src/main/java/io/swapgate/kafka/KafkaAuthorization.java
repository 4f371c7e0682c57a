package io.swapgate.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** The API key a Swapgate record carries: the header {@code authorization: Bearer <key>}, as in gRPC and HTTP. */
public final class KafkaAuthorization {

    public static final String HEADER = "authorization";

    private KafkaAuthorization() {}

    /** The record's authorization header, or null when it has none. */
    public static String of(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(HEADER);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
