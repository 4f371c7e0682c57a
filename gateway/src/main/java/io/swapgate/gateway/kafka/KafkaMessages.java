package io.swapgate.gateway.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.swapgate.gateway.serving.RequestIds;
import io.swapgate.gateway.training.ExampleRules;
import io.swapgate.kafka.GenerationHandler.Envelope;
import io.swapgate.kafka.GenerationHandler.Refused;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.TrainingExample;

/**
 * Record values from Kafka read as Swapgate's protobuf messages, with the fields every such message needs. Anything
 * else is refused with a reason that names what is wrong; nothing here authenticates or touches state, so these are the
 * whole of what a hostile record can reach before its key is checked (and what the fuzz tests drive).
 */
public final class KafkaMessages {

    private KafkaMessages() {}

    /** A {@code swapgate.requests} record: a request id and a request are required. */
    public static Envelope<KafkaRequest> request(byte[] value) throws Refused {
        KafkaRequest request;
        try {
            request = KafkaRequest.parseFrom(value == null ? new byte[0] : value);
        } catch (InvalidProtocolBufferException e) {
            throw new Refused("INVALID_ARGUMENT", "the record is not a swapgate.v1.KafkaRequest: " + e.getMessage());
        }
        if (request.getRequestId().isEmpty()) {
            throw new Refused("INVALID_ARGUMENT", "request_id is required");
        }
        try {
            RequestIds.check(request.getRequestId());
        } catch (IllegalArgumentException e) {
            throw new Refused("INVALID_ARGUMENT", e.getMessage());
        }
        if (!request.hasRequest()) {
            throw new Refused("INVALID_ARGUMENT", "request is required", request.getRequestId());
        }
        return new Envelope<>(request.getRequestId(), request.getReplyTopic(), request);
    }

    /**
     * A {@code swapgate.examples} record: an id, a prompt and a signal (completion, preference or feedback) are
     * required, within {@link ExampleRules}.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static TrainingExample example(byte[] value) {
        TrainingExample example;
        try {
            example = TrainingExample.parseFrom(value == null ? new byte[0] : value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the record is not a swapgate.v1.TrainingExample: " + e.getMessage());
        }
        return ExampleRules.check(example);
    }
}
