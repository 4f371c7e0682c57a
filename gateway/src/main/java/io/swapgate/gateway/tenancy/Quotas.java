package io.swapgate.gateway.tenancy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/** Every tenant's generation quotas, created on a tenant's first request. */
public final class Quotas {

    private final Function<String, QuotaLimits> limits;
    private final LongSupplier clock;
    private final Map<String, TenantQuota> byTenant = new ConcurrentHashMap<>();

    /** @param clock nanoseconds, as {@link System#nanoTime} */
    public Quotas(Function<String, QuotaLimits> limits, LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Admits one generation of the tenant: holds a concurrent request and reserves {@code maxNewTokens} until the
     * permit is settled and closed.
     *
     * @throws QuotaExceededException naming the first quota the request would exceed
     */
    public QuotaPermit admit(String tenant, int maxNewTokens) {
        return quota(tenant).admit(maxNewTokens);
    }

    /** Generations of the tenant in flight now. */
    public int inFlight(String tenant) {
        TenantQuota quota = byTenant.get(tenant);
        return quota == null ? 0 : quota.inFlight();
    }

    private TenantQuota quota(String tenant) {
        return byTenant.computeIfAbsent(tenant, t -> new TenantQuota(t, limits.apply(t), clock));
    }
}
