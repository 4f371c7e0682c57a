package io.swapgate.gateway.tenancy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Usage per tenant. Only authenticated tenants are recorded, so the number of entries is bounded by the key file;
 * past {@link #MAX_TENANTS} the rest share one entry, which keeps metric tags bounded even for a huge key file.
 */
public final class UsageLedger {

    public static final int MAX_TENANTS = 256;
    public static final String OTHER_TENANTS = "_other";

    private final Map<String, TenantUsage> byTenant = new ConcurrentHashMap<>();
    private final Consumer<TenantUsage> onNewTenant;

    /** @param onNewTenant called once per new entry (to register its metrics) */
    public UsageLedger(Consumer<TenantUsage> onNewTenant) {
        this.onNewTenant = onNewTenant;
    }

    public TenantUsage of(String tenant) {
        TenantUsage usage = byTenant.get(tenant);
        if (usage != null) {
            return usage;
        }
        String key = byTenant.size() >= MAX_TENANTS ? OTHER_TENANTS : tenant;
        boolean[] created = {false};
        usage = byTenant.computeIfAbsent(key, t -> {
            created[0] = true;
            return new TenantUsage(t);
        });
        if (created[0]) {
            onNewTenant.accept(usage);
        }
        return usage;
    }

    public List<TenantUsage> all() {
        return List.copyOf(byTenant.values());
    }
}
