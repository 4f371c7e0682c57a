package io.swapgate.gateway.kafka;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.gateway.messages.GenerationMessages;
import io.swapgate.gateway.serving.Admission;
import io.swapgate.gateway.serving.FailureStatus;
import io.swapgate.gateway.serving.Generations;
import io.swapgate.gateway.tenancy.Authenticator;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.UnauthenticatedException;
import io.swapgate.kafka.GenerationHandler;
import io.swapgate.kafka.ResponseStream;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.KafkaError;
import io.swapgate.proto.v1.KafkaRequest;
import io.swapgate.proto.v1.KafkaResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.Headers;

/**
 * Requests from Kafka through the same path as gRPC's: the record's key authenticates it, its tenant's access and
 * quotas admit it, the engine runs it, and each piece of text becomes a {@code KafkaResponse} record. What waiting
 * cures (a full queue, a rate or concurrency quota) is retried by the bridge; anything else is refused.
 */
final class KafkaGenerations implements GenerationHandler<KafkaRequest> {

    /** How soon a request refused for a full engine queue is tried again: slots free every few steps. */
    private static final Duration QUEUE_RETRY = Duration.ofMillis(20);

    private final Generations generations;
    private final Authenticator authenticator;
    private final ReplyTopics replyTopics;
    private final KafkaTracing tracing;

    /**
     * @param responses the default responses topic: a tenant's own reply topics are named after it
     * @param tracing the trace context of records, or null when tracing is off
     */
    KafkaGenerations(Generations generations, Authenticator authenticator, String responses, KafkaTracing tracing) {
        this.generations = generations;
        this.authenticator = authenticator;
        this.replyTopics = new ReplyTopics(responses);
        this.tracing = tracing;
    }

    /**
     * A tenant's answers may go to its own reply topics only ({@link ReplyTopics}): never another tenant's, nor one of
     * the gateway's own topics.
     */
    @Override
    public boolean mayReplyTo(String topic, String tenant) {
        return tenant.equals(replyTopics.owner(topic, authenticator.tenants()));
    }

    @Override
    public String tenantOf(String authorization) {
        try {
            return authenticator.authenticate(authorization).tenant();
        } catch (UnauthenticatedException e) {
            return null;
        }
    }

    @Override
    public Envelope<KafkaRequest> decode(byte[] value) throws Refused {
        return KafkaMessages.request(value);
    }

    @Override
    public void start(Envelope<KafkaRequest> envelope, String authorization, Headers headers, ResponseStream answer)
            throws RetryLater, Refused {
        if (tracing == null) {
            start(envelope, authorization, answer);
            return;
        }
        Span span = tracing.receiving(headers, envelope.requestId());
        try (Scope current = span.makeCurrent()) {
            tracing.propagate(answer);
            start(envelope, authorization, answer);
        } catch (RetryLater | Refused | RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            throw e;
        } finally {
            span.end();
        }
    }

    private void start(Envelope<KafkaRequest> envelope, String authorization, ResponseStream answer)
            throws RetryLater, Refused {
        String id = envelope.requestId();
        Admission admission;
        try {
            Caller caller = authenticator.authenticate(authorization);
            admission = generations.admit(
                    caller,
                    deterministic(id, envelope.request().getRequest()),
                    deadline(envelope.request().getDeadlineUnixMs()));
        } catch (RuntimeException e) {
            refuse(e);
            return;
        }
        CompletableFuture<GenerationHandle> handle = new CompletableFuture<>();
        try {
            handle.complete(generations.submit(admission, new Answering(id, admission, answer, handle)));
        } catch (RuntimeException e) {
            refuse(e);
        }
    }

    @Override
    public byte[] errorAnswer(String requestId, long sequence, String code, String message) {
        return error(requestId, sequence, code, message);
    }

    /** The request with its id, and a seed derived from the id when it has none: run again, it answers the same. */
    private static GenerateRequest deterministic(String id, GenerateRequest request) {
        GenerateRequest.Builder builder = request.toBuilder().setRequestId(id);
        if (!request.getSampling().hasSeed()) {
            builder.getSamplingBuilder()
                    .setSeed(UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8))
                            .getMostSignificantBits());
        }
        return builder.build();
    }

    /** A Unix-epoch deadline as a {@link System#nanoTime()} instant (0: none). */
    private static long deadline(long unixMillis) {
        if (unixMillis == 0) {
            return 0;
        }
        long nanos = System.nanoTime() + (unixMillis - System.currentTimeMillis()) * 1_000_000L;
        return nanos == 0 ? 1 : nanos;
    }

    /** Waiting cures full queues and rate or concurrency quotas; every other failure refuses the request. */
    private static void refuse(RuntimeException e) throws RetryLater, Refused {
        Duration retry = FailureStatus.retryAfter(e);
        if (retry != null) {
            boolean tenantLimit = FailureStatus.quota(e) != null;
            throw new RetryLater(tenantLimit ? retry : QUEUE_RETRY, e.getMessage(), tenantLimit);
        }
        throw new Refused(FailureStatus.of(e).name(), FailureStatus.message(e));
    }

    private static byte[] error(String requestId, long sequence, String code, String message) {
        return KafkaResponse.newBuilder()
                .setRequestId(requestId)
                .setSequence(sequence)
                .setFinal(true)
                .setError(KafkaError.newBuilder().setCode(code).setMessage(message))
                .build()
                .toByteArray();
    }

    /** Turns the engine's output into answer records and releases the admission when the request ends. */
    private final class Answering implements GenerationListener {
        private final String id;
        private final Admission admission;
        private final ResponseStream answer;
        private final CompletableFuture<GenerationHandle> handle;

        Answering(String id, Admission admission, ResponseStream answer, CompletableFuture<GenerationHandle> handle) {
            this.id = id;
            this.admission = admission;
            this.answer = answer;
            this.handle = handle;
        }

        @Override
        public void onText(TextChunk chunk) {
            answer.send(sequence -> KafkaResponse.newBuilder()
                    .setRequestId(id)
                    .setSequence(sequence)
                    .setChunk(GenerationMessages.chunk(
                            id, chunk, generations.model().tokenizer()))
                    .build()
                    .toByteArray());
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            if (reason == FinishReason.DEADLINE) {
                answer.end(sequence -> error(
                        id, sequence, "DEADLINE_EXCEEDED", "the request's deadline passed before generation finished"));
            } else {
                answer.end(sequence -> KafkaResponse.newBuilder()
                        .setRequestId(id)
                        .setSequence(sequence)
                        .setFinal(true)
                        .setChunk(GenerationMessages.last(
                                id, reason, usage, admission.request().adapters()))
                        .build()
                        .toByteArray());
            }
            release();
        }

        @Override
        public void onError(Throwable error) {
            answer.end(sequence -> error(id, sequence, FailureStatus.of(error).name(), FailureStatus.message(error)));
            release();
        }

        private void release() {
            var unused = handle.thenAccept(h -> generations.end(h, admission));
        }
    }
}
