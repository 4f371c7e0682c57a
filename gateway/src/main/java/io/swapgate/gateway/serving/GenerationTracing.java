package io.swapgate.gateway.serving;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A {@code swapgate.generate} span per generation, from submission to the engine's last word, child of whatever span
 * is current when it is submitted (the gRPC or HTTP server span, or the Kafka consumer span). It records the tenant,
 * the adapter versions, the token counts, the finish reason and the time to the first token. A no-op unless tracing
 * is on ({@code quarkus.otel.sdk.disabled=false}).
 */
@ApplicationScoped
public class GenerationTracing {

    private final Tracer tracer;
    private final boolean enabled;

    GenerationTracing(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean disabled) {
        this.tracer = tracer;
        this.enabled = !disabled;
    }

    /** Whether spans are recorded; when not, nothing on the request path touches OpenTelemetry. */
    public boolean enabled() {
        return enabled;
    }

    GenerationListener traced(GenerationRequest request, GenerationListener listener) {
        if (!enabled) {
            return listener;
        }
        Span span = tracer.spanBuilder("swapgate.generate")
                .setAttribute("swapgate.request_id", request.requestId())
                .setAttribute("swapgate.tenant", request.tenant())
                .setAttribute(
                        "swapgate.adapters",
                        request.adapters().adapters().stream()
                                .map(a ->
                                        a.identity().name() + "@" + a.identity().version())
                                .collect(Collectors.joining(",")))
                .setAttribute("gen_ai.request.max_tokens", request.maxNewTokens())
                .startSpan();
        return new GenerationListener() {
            private boolean first = true;

            @Override
            public void onText(TextChunk chunk) {
                if (first) {
                    first = false;
                    span.addEvent("first token");
                }
                listener.onText(chunk);
            }

            @Override
            public void onFinish(FinishReason reason, Usage usage) {
                span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens());
                span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens());
                span.setAttribute("swapgate.finish_reason", reason.name());
                span.end();
                listener.onFinish(reason, usage);
            }

            @Override
            public void onError(Throwable error) {
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
                span.end();
                listener.onError(error);
            }
        };
    }
}
