package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.swapgate.gateway.monitor.MonitorSamples;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.proto.v1.Monitor;
import io.swapgate.proto.v1.MonitorSample;
import io.swapgate.proto.v1.WatchMonitorRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code swapgate.v1.Monitor} service: a sample of the engine and the resident adapters every interval, scoped as
 * Adapters.List is (a tenant its own, an admin the whole engine or one tenant).
 */
@GrpcService
public class MonitorGrpcService implements Monitor {

    private static final int DEFAULT_INTERVAL_MS = 1000;
    private static final int MIN_INTERVAL_MS = 200;

    private final MonitorSamples samples;
    private final TenantDirectory tenants;

    MonitorGrpcService(MonitorSamples samples, TenantDirectory tenants) {
        this.samples = samples;
        this.tenants = tenants;
    }

    @Override
    public Multi<MonitorSample> watch(WatchMonitorRequest request) {
        String scope;
        try {
            scope = tenants.access().listingScope(ApiKeyInterceptor.caller(), request.getTenant());
            if (request.getIntervalMs() != 0 && request.getIntervalMs() < MIN_INTERVAL_MS) {
                throw new IllegalArgumentException("interval_ms must be 0 (one second) or at least " + MIN_INTERVAL_MS
                        + ", got " + request.getIntervalMs());
            }
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(GrpcStatuses.toStatus(e));
        }
        int interval = request.getIntervalMs() == 0 ? DEFAULT_INTERVAL_MS : request.getIntervalMs();
        AtomicReference<MonitorSamples.Counters> previous = new AtomicReference<>(samples.atStart());
        // The first sample at once (ticks need a positive delay), then one per interval.
        return Multi.createFrom()
                .ticks()
                .startingAfter(Duration.ofMillis(1))
                .every(Duration.ofMillis(interval))
                .onOverflow()
                .drop()
                .map(tick -> {
                    MonitorSamples.Counters now = samples.read(scope);
                    return samples.sample(scope, previous.getAndSet(now), now);
                });
    }
}
