package io.swapgate.gateway.tenancy;

import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.Reservations;
import io.swapgate.retraining.PublishGuard;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Function;

/**
 * A tenant's registry quotas: upload size, number of adapters, and bytes of all its versions. Every way into the
 * registry goes through {@link #admit}: uploads, training jobs' publishes, and {@code Training.Start} for a new name.
 * An admission reserves its bytes and its name in the registry until it is closed, so uploads racing each other are
 * counted together, on this replica and on every other that shares the registry.
 */
@ApplicationScoped
public class StorageQuota implements PublishGuard {

    private final FileSystemAdapterRegistry registry;
    private final Function<String, QuotaLimits> limits;

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
    public Admission admit(AdapterName name, long bytes) throws IOException {
        String tenant = name.tenant();
        QuotaLimits quota = limits.apply(tenant);
        if (bytes > quota.uploadBytes()) {
            throw new QuotaExceededException(
                    QuotaLimits.UPLOAD_BYTES,
                    "an upload of tenant '" + tenant + "' may hold " + quota.uploadBytes()
                            + " bytes, this one declares " + bytes,
                    Duration.ZERO);
        }
        Reservations.Reservation reservation = registry.reserve(name, bytes, held -> {
            if (!held.names().contains(name) && held.names().size() >= quota.adapters()) {
                throw new QuotaExceededException(
                        QuotaLimits.ADAPTERS,
                        "tenant '" + tenant + "' already has " + held.names().size()
                                + " adapters, its limit; delete one first",
                        Duration.ZERO);
            }
            if (held.bytes() + bytes > quota.adapterBytes()) {
                throw new QuotaExceededException(
                        QuotaLimits.ADAPTER_BYTES,
                        "tenant '" + tenant + "' holds " + held.bytes() + " bytes of adapters; " + bytes
                                + " more would pass its " + quota.adapterBytes() + "; delete versions first",
                        Duration.ZERO);
            }
        });
        return reservation::close;
    }
}
