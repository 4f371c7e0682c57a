package io.swapgate.gateway.tenancy;

import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.VersionMetadata;
import io.swapgate.retraining.PublishGuard;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A tenant's registry quotas: upload size, number of adapters, and bytes of all its versions. Every way into the
 * registry goes through {@link #admit}: uploads, training jobs' publishes, and {@code Training.Start} for a new name.
 * An admission reserves its bytes and its name until it is closed, so uploads racing each other are counted together
 * (in this process: replicas each hold their own reservations).
 */
@ApplicationScoped
public class StorageQuota implements PublishGuard {

    private final FileSystemAdapterRegistry registry;
    private final Function<String, QuotaLimits> limits;
    private final Map<String, Long> reservedBytes = new HashMap<>();
    private final Map<String, List<AdapterName>> reservedNames = new HashMap<>();

    StorageQuota(ServedAdapters adapters, TenantDirectory tenants) {
        this.registry = adapters.registry();
        this.limits = tenants::limits;
    }

    /**
     * Checks that {@code bytes} more under {@code name} fit its tenant's quotas, counting what is stored and what other
     * admissions hold, and holds them until closed. Deleting versions makes room again, so waiting alone does not help:
     * a refusal carries no retry delay.
     */
    @Override
    public synchronized Admission admit(AdapterName name, long bytes) throws IOException {
        String tenant = name.tenant();
        QuotaLimits quota = limits.apply(tenant);
        if (bytes > quota.uploadBytes()) {
            throw new QuotaExceededException(
                    QuotaLimits.UPLOAD_BYTES,
                    "an upload of tenant '" + tenant + "' may hold " + quota.uploadBytes()
                            + " bytes, this one declares " + bytes,
                    Duration.ZERO);
        }
        List<AdapterName> stored = registry.names(tenant);
        Set<AdapterName> names = new HashSet<>(stored);
        names.addAll(reservedNames.getOrDefault(tenant, List.of()));
        if (!names.contains(name) && names.size() >= quota.adapters()) {
            throw new QuotaExceededException(
                    QuotaLimits.ADAPTERS,
                    "tenant '" + tenant + "' already has " + names.size() + " adapters, its limit; delete one first",
                    Duration.ZERO);
        }
        long used = reservedBytes.getOrDefault(tenant, 0L);
        for (AdapterName held : stored) {
            for (VersionMetadata version : registry.versions(held)) {
                used += version.sizeBytes();
            }
        }
        if (used + bytes > quota.adapterBytes()) {
            throw new QuotaExceededException(
                    QuotaLimits.ADAPTER_BYTES,
                    "tenant '" + tenant + "' holds " + used + " bytes of adapters; " + bytes + " more would pass its "
                            + quota.adapterBytes() + "; delete versions first",
                    Duration.ZERO);
        }
        reservedBytes.merge(tenant, bytes, Long::sum);
        reservedNames.computeIfAbsent(tenant, t -> new java.util.ArrayList<>()).add(name);
        return () -> release(name, bytes);
    }

    private synchronized void release(AdapterName name, long bytes) {
        String tenant = name.tenant();
        reservedBytes.computeIfPresent(tenant, (t, held) -> held - bytes == 0 ? null : held - bytes);
        List<AdapterName> held = reservedNames.get(tenant);
        if (held != null && held.remove(name) && held.isEmpty()) {
            reservedNames.remove(tenant);
        }
    }
}
