package io.swapgate.gateway.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.tenancy.TenantUsage;
import io.swapgate.gateway.tenancy.UsageLedger;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Serving metrics (Prometheus at {@code /q/metrics}): per request time to first token, inter-token latency, duration,
 * tokens in and out and outcome; refusals by gRPC status name; the engine's queue, batch, step time and KV cache; the
 * adapter tiers' loads and sizes; per tenant, requests, tokens, errors by status, adapter-load time and requests in
 * flight. Tags stay bounded: adapter kinds (not names), finish reasons, status names, and tenants (which hold keys).
 */
@Startup
@ApplicationScoped
public class ServingMetrics {

    private final MeterRegistry registry;
    private final TenantDirectory tenants;
    private final UsageLedger ledger;

    ServingMetrics(MeterRegistry registry, ServedModel model, ServedAdapters adapters, TenantDirectory tenants) {
        this.registry = registry;
        this.tenants = tenants;
        this.ledger = new UsageLedger(this::registerTenant);
        InferenceEngine engine = model.engine();
        Gauge.builder("swapgate.engine.queued", engine, e -> e.stats().queued())
                .description("requests waiting for a batch slot")
                .register(registry);
        Gauge.builder("swapgate.engine.running", engine, e -> e.stats().running())
                .description("sequences holding a batch slot")
                .register(registry);
        Gauge.builder("swapgate.engine.kv.cache.tokens", engine, e -> e.stats().cachedTokens())
                .description("KV-cache positions in use")
                .register(registry);
        Gauge.builder("swapgate.engine.kv.cache.bytes", engine, InferenceEngine::kvCacheBytes)
                .baseUnit("bytes")
                .register(registry);
        FunctionCounter.builder(
                        "swapgate.engine.preemptions", engine, e -> e.stats().preemptions())
                .description("sequences that gave their batch slot to a tenant below its share")
                .register(registry);
        FunctionCounter.builder(
                        "swapgate.adapters.device.uploads",
                        engine,
                        e -> e.stats().loraUploads())
                .description("LoRA versions copied into the device slot table")
                .register(registry);
        FunctionCounter.builder(
                        "swapgate.adapters.host.loads", adapters.adapters().cache(), c -> c.loads())
                .description("adapter versions read from the store into the host cache")
                .register(registry);
        Gauge.builder("swapgate.adapters.host.bytes", adapters.adapters().cache(), c -> c.bytes())
                .baseUnit("bytes")
                .register(registry);
        Timer prefill = stepTimer("prefill");
        Timer decode = stepTimer("decode");
        DistributionSummary batch = DistributionSummary.builder("swapgate.engine.batch.size")
                .description("rows per decode step")
                .publishPercentileHistogram()
                .register(registry);
        engine.observeSteps((rows, isPrefill, nanos) -> {
            (isPrefill ? prefill : decode).record(Duration.ofNanos(nanos));
            if (!isPrefill) {
                batch.record(rows);
            }
        });
    }

    private Timer stepTimer(String phase) {
        return Timer.builder("swapgate.engine.step")
                .tag("phase", phase)
                .description("forward pass and sampling of one engine step")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Wraps a request's listener so its latencies, tokens and outcome are recorded. */
    GenerationListener metered(GenerationRequest request, GenerationListener delegate) {
        String kinds = request.adapters().adapters().stream()
                .map(a -> a.kind().wireName())
                .collect(Collectors.joining("+"));
        return new Metered(delegate, kinds.isEmpty() ? "none" : kinds, request.tenant());
    }

    /** Usage per tenant since start, as the Tenants service reports it. */
    public UsageLedger ledger() {
        return ledger;
    }

    /** Counts a request refused before or at admission, by tenant and the gRPC status it answers with. */
    void refused(String tenant, Throwable error) {
        failed(tenant, FailureStatus.of(error).name(), "swapgate.requests.refused");
    }

    void admitted(String tenant, long adapterLoadNanos) {
        ledger.of(tenant).admitted(adapterLoadNanos);
    }

    private void failed(String tenant, String status, String counter) {
        TenantUsage usage = ledger.of(tenant);
        usage.failed(status);
        Counter.builder(counter)
                .tag("status", status)
                .tag("tenant", ledger.metricTag(tenant))
                .register(registry)
                .increment();
    }

    private void registerTenant(TenantUsage usage) {
        String tenant = usage.tenant();
        FunctionCounter.builder("swapgate.tenant.requests", usage, TenantUsage::requests)
                .tag("tenant", tenant)
                .description("generations admitted")
                .register(registry);
        FunctionCounter.builder("swapgate.tenant.tokens.prompt", usage, TenantUsage::promptTokens)
                .tag("tenant", tenant)
                .register(registry);
        FunctionCounter.builder("swapgate.tenant.tokens.generated", usage, TenantUsage::generatedTokens)
                .tag("tenant", tenant)
                .register(registry);
        FunctionCounter.builder("swapgate.tenant.adapter.load", usage, TenantUsage::adapterLoadSeconds)
                .tag("tenant", tenant)
                .baseUnit("seconds")
                .description("time resolving and loading adapters for the tenant's requests")
                .register(registry);
        Gauge.builder("swapgate.tenant.in.flight", tenants.quotas(), q -> q.inFlight(tenant))
                .tag("tenant", tenant)
                .description("generations running or queued")
                .register(registry);
    }

    /** Records on the engine thread; the meters are looked up once per request, when it is submitted. */
    private final class Metered implements GenerationListener {
        private final GenerationListener delegate;
        private final String kinds;
        private final String tenant;
        private final TenantUsage tenantUsage;
        private final Timer ttft;
        private final Timer interToken;
        private final long started = System.nanoTime();
        private long lastChunk;

        Metered(GenerationListener delegate, String kinds, String tenant) {
            this.delegate = delegate;
            this.kinds = kinds;
            this.tenant = tenant;
            this.tenantUsage = ledger.of(tenant);
            this.ttft = timer("swapgate.request.ttft", "time to first token");
            this.interToken = timer("swapgate.request.inter.token", "time between generated tokens");
        }

        @Override
        public void onText(TextChunk chunk) {
            long now = System.nanoTime();
            int tokens = chunk.tokenIds().length;
            if (tokens > 0) {
                tenantUsage.sampled(tokens);
                if (lastChunk == 0) {
                    ttft.record(Duration.ofNanos(now - started));
                    tenantUsage.firstToken(now - started);
                } else {
                    // A chunk may carry several tokens (a character can span them): spread its wait over them.
                    for (int i = 0; i < tokens; i++) {
                        interToken.record(Duration.ofNanos((now - lastChunk) / tokens));
                    }
                }
                lastChunk = now;
            }
            delegate.onText(chunk);
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            Timer.builder("swapgate.request.duration")
                    .tag("adapters", kinds)
                    .tag("finish_reason", reason.name().toLowerCase(Locale.ROOT))
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - started));
            Counter.builder("swapgate.tokens.prompt")
                    .tag("adapters", kinds)
                    .register(registry)
                    .increment(usage.promptTokens());
            Counter.builder("swapgate.tokens.generated")
                    .tag("adapters", kinds)
                    .register(registry)
                    .increment(usage.completionTokens());
            tenantUsage.finished(usage.promptTokens(), usage.completionTokens());
            if (reason == FinishReason.DEADLINE) {
                failed(tenant, "DEADLINE_EXCEEDED", "swapgate.requests.failed");
            }
            delegate.onFinish(reason, usage);
        }

        @Override
        public void onError(Throwable error) {
            failed(tenant, FailureStatus.of(error).name(), "swapgate.requests.failed");
            delegate.onError(error);
        }

        private Timer timer(String name, String description) {
            return Timer.builder(name)
                    .tag("adapters", kinds)
                    .description(description)
                    .publishPercentileHistogram()
                    .register(registry);
        }
    }
}
