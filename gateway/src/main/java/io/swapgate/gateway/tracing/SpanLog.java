package io.swapgate.gateway.tracing;

import io.opentelemetry.exporter.logging.otlp.OtlpJsonLoggingSpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.swapgate.gateway.config.SwapgateConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Spans written to the log as OTLP JSON lines, in addition to the OTLP export, when {@code swapgate.tracing.log-spans} is
 * true: for log pipelines without a collector (Quarkus fixes its exporter at build time, so this is a runtime switch).
 */
@Singleton
public class SpanLog {

    @Produces
    @Singleton
    SpanProcessor spanLog(SwapgateConfig config) {
        return config.tracing().logSpans()
                ? BatchSpanProcessor.builder(OtlpJsonLoggingSpanExporter.create())
                        .build()
                : SpanProcessor.composite();
    }
}
