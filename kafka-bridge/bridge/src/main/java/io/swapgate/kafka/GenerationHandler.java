package io.swapgate.kafka;

import java.time.Duration;
import org.apache.kafka.common.header.Headers;

/**
 * What serves a request that arrived over Kafka: the gateway, which knows the wire format, authenticates the request
 * and runs it on the engine.
 *
 * @param <R> the decoded request
 */
public interface GenerationHandler<R> {

    /** A record's request, with what the bridge needs to deduplicate and answer it. */
    record Envelope<R>(String requestId, String replyTopic, R request) {}

    /**
     * The tenant a record's {@code authorization} header authenticates, or null when it authenticates none. Asked
     * before anything else is read from the record.
     */
    String tenantOf(String authorization);

    /**
     * Decodes a record's value.
     *
     * @return the request; its reply topic is empty for the default responses topic
     * @throws Refused when the value is not a request (dead-lettered; answered too when the refusal names a request id)
     */
    Envelope<R> decode(byte[] value) throws Refused;

    /**
     * Whether {@code tenant} (the one {@link #tenantOf} found for the record) may have it answered on {@code topic}
     * rather than its own responses topic. A refused reply topic is dead-lettered and answered on the tenant's own.
     */
    boolean mayReplyTo(String topic, String tenant);

    /**
     * Starts generating; answers through {@code answer}, from any thread, ending with {@link ResponseStream#end}.
     *
     * @param authorization the record's {@code authorization} header, or null
     * @param headers all the record's headers (a trace context travels there)
     * @throws RetryLater when the gateway cannot take the request now (a full queue, a rate quota): try again later
     * @throws Refused when the request cannot be served as given: answered with the error and dead-lettered
     */
    void start(Envelope<R> envelope, String authorization, Headers headers, ResponseStream answer)
            throws RetryLater, Refused;

    /** The final answer record for a refused request: {@code code} is a gRPC status name. */
    byte[] errorAnswer(String requestId, long sequence, String code, String message);

    /** Not now: the request is tried again after {@code after}; other records go on meanwhile. */
    final class RetryLater extends Exception {
        private final Duration after;
        private final boolean tenantLimit;

        /** @param tenantLimit whether the tenant's own quota refused it (not the gateway being full for everyone) */
        public RetryLater(Duration after, String reason, boolean tenantLimit) {
            super(reason, null, false, false);
            this.after = after;
            this.tenantLimit = tenantLimit;
        }

        public Duration after() {
            return after;
        }

        public boolean tenantLimit() {
            return tenantLimit;
        }
    }

    /** Never as given: answered with {@code code} (a gRPC status name) and dead-lettered with the message. */
    final class Refused extends Exception {
        private final String code;
        private final String requestId;

        public Refused(String code, String message) {
            this(code, message, null);
        }

        /** @param requestId the request's id when it could be read, so that the refusal can be answered */
        public Refused(String code, String message, String requestId) {
            super(message, null, false, false);
            this.code = code;
            this.requestId = requestId;
        }

        public String code() {
            return code;
        }

        public String requestId() {
            return requestId;
        }
    }
}
