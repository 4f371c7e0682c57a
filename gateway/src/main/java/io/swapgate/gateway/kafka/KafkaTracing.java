package io.swapgate.gateway.kafka;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.swapgate.kafka.ResponseStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The trace context a Kafka request carries in its headers (W3C {@code traceparent}, as any OpenTelemetry-instrumented
 * producer writes it): a consumer span, child of the producer's, is current while the request is admitted and
 * submitted, so the generation's span joins the producer's trace. The answer's records carry that span's context in
 * turn, so a consumer of the answers continues the same trace.
 */
final class KafkaTracing {

    private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<ResponseStream> ANSWER = ResponseStream::header;

    private final OpenTelemetry telemetry;
    private final Tracer tracer;
    private final String topic;

    KafkaTracing(OpenTelemetry telemetry, String topic) {
        this.telemetry = telemetry;
        this.tracer = telemetry.getTracer("io.swapgate.kafka");
        this.topic = topic;
    }

    /** A started consumer span for a request record; the caller makes it current and ends it. */
    Span receiving(Headers headers, String requestId) {
        Context parent = telemetry.getPropagators().getTextMapPropagator().extract(Context.root(), headers, HEADERS);
        return tracer.spanBuilder(topic + " process")
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation", "process")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.message.id", requestId)
                .startSpan();
    }

    /** Puts the current trace context (the consumer span, while it is current) on every record of the answer. */
    void propagate(ResponseStream answer) {
        telemetry.getPropagators().getTextMapPropagator().inject(Context.current(), answer, ANSWER);
    }
}
