package io.swapgate.gateway.tenancy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Usage per tenant, exact for every tenant: only authenticated tenants are recorded, so the entries are bounded by the
 * key file. Metric tags are bounded too: the first {@link #MAX_TENANTS} tenants get meters of their own, the rest are
 * tagged {@link #OTHER_TENANTS} (their usage is still their own, never another's, in the Tenants service).
 */
public final class UsageLedger {

    public static final int MAX_TENANTS = 256;
    public static final String OTHER_TENANTS = "_other";

    private final Map<String, TenantUsage> byTenant = new ConcurrentHashMap<>();
    private final Set<String> metered = ConcurrentHashMap.newKeySet();
    private final Consumer<TenantUsage> onMeteredTenant;

    /** @param onMeteredTenant called once for each of the first {@link #MAX_TENANTS} tenants (to register its meters) */
    public UsageLedger(Consumer<TenantUsage> onMeteredTenant) {
        this.onMeteredTenant = onMeteredTenant;
    }

    public TenantUsage of(String tenant) {
        TenantUsage usage = byTenant.get(tenant);
        if (usage != null) {
            return usage;
        }
        boolean[] created = {false};
        usage = byTenant.computeIfAbsent(tenant, t -> {
            created[0] = true;
            return new TenantUsage(t);
        });
        if (created[0] && meter(tenant)) {
            onMeteredTenant.accept(usage);
        }
        return usage;
    }

    /** The {@code tenant} tag of the tenant's meters: its name, or {@link #OTHER_TENANTS} past the first ones. */
    public String metricTag(String tenant) {
        return metered.contains(tenant) ? tenant : OTHER_TENANTS;
    }

    private synchronized boolean meter(String tenant) {
        return metered.size() < MAX_TENANTS && metered.add(tenant);
    }

    public List<TenantUsage> all() {
        return List.copyOf(byTenant.values());
    }
}
