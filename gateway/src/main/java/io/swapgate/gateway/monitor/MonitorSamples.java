package io.swapgate.gateway.monitor;

import io.swapgate.core.engine.EngineStats;
import io.swapgate.gateway.messages.AdapterMessages;
import io.swapgate.gateway.serving.AdapterSwaps;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.gateway.serving.ServingMetrics;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.tenancy.TenantUsage;
import io.swapgate.proto.v1.AdapterSwap;
import io.swapgate.proto.v1.MonitorSample;
import io.swapgate.proto.v1.RegistryEvent;
import io.swapgate.proto.v1.ResidentVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/**
 * Samples for {@code Monitor.Watch}, from the counters the metrics are made of: the usage ledger (tokens as they are
 * sampled, requests, time to first token), the engine's queue and batch, the host cache and device slot table, and
 * the latest swaps. A sample covers one tenant, or the whole engine when its scope is null.
 */
@ApplicationScoped
public class MonitorSamples {

    /** The swaps a sample lists at most. */
    private static final int SWAPS = 20;

    private final ServingMetrics metrics;
    private final ServedModel model;
    private final ServedAdapters adapters;
    private final AdapterSwaps swaps;
    private final TenantDirectory tenants;
    private final long startedNanos = System.nanoTime();

    MonitorSamples(
            ServingMetrics metrics,
            ServedModel model,
            ServedAdapters adapters,
            AdapterSwaps swaps,
            TenantDirectory tenants) {
        this.metrics = metrics;
        this.model = model;
        this.adapters = adapters;
        this.swaps = swaps;
        this.tenants = tenants;
    }

    /** Running totals at one instant; a sample's rates are the difference of two. */
    public record Counters(long nanos, long tokens, long requests, long firstTokens, long firstTokenNanos) {}

    /** The totals as they were at start: the first sample's rates run from there. */
    public Counters atStart() {
        return new Counters(startedNanos, 0, 0, 0, 0);
    }

    public Counters read(String scope) {
        List<TenantUsage> usages = scope == null
                ? metrics.ledger().all()
                : List.of(metrics.ledger().of(scope));
        long tokens = 0;
        long requests = 0;
        long firstTokens = 0;
        long firstTokenNanos = 0;
        for (TenantUsage usage : usages) {
            tokens += usage.sampledTokens();
            requests += usage.requests();
            firstTokens += usage.firstTokens();
            firstTokenNanos += usage.firstTokenNanos();
        }
        return new Counters(System.nanoTime(), tokens, requests, firstTokens, firstTokenNanos);
    }

    /** The sample for the interval from {@code before} to {@code now}. */
    public MonitorSample sample(String scope, Counters before, Counters now) {
        double seconds = Math.max(1e-9, (now.nanos() - before.nanos()) / 1e9);
        MonitorSample.Builder sample = MonitorSample.newBuilder()
                .setAt(Instant.now().toString())
                .setScope(scope == null ? "" : scope)
                .setTokensPerSecond((now.tokens() - before.tokens()) / seconds)
                .setRequestsPerSecond((now.requests() - before.requests()) / seconds);
        long firstTokens = now.firstTokens() - before.firstTokens();
        if (firstTokens > 0) {
            sample.setTtftMs((now.firstTokenNanos() - before.firstTokenNanos()) / 1e6 / firstTokens);
        }
        if (scope == null) {
            EngineStats engine = model.engine().stats();
            sample.setRunning(engine.running())
                    .setQueued(engine.queued())
                    .setInFlight(engine.running() + engine.queued());
        } else {
            sample.setInFlight(tenants.quotas().inFlight(scope));
        }
        for (ServedAdapters.ResidentVersion held : adapters.resident(scope)) {
            sample.addResident(ResidentVersion.newBuilder()
                    .setName(held.name().toString())
                    .setVersion(held.version())
                    .setResidency(AdapterMessages.residency(held.residency())));
        }
        swaps.recent().stream()
                .filter(swap -> scope == null || swap.name().tenant().equals(scope))
                .limit(SWAPS)
                .forEach(swap -> sample.addSwaps(AdapterSwap.newBuilder()
                        .setName(swap.name().toString())
                        .setAlias(swap.alias() == null ? "" : swap.alias())
                        .setVersion(swap.version())
                        .setType(RegistryEvent.Type.valueOf(swap.type().name()))
                        .setReadyMs(swap.ready().toNanos() / 1e6)
                        .setAt(swap.at().toString())));
        return sample.build();
    }
}
