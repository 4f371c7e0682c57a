package io.swapgate.gateway.tenancy;

import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.VersionMetadata;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** A tenant's registry quotas: upload size, number of adapters, and bytes of all its versions. */
public final class StorageQuota {

    private final FileSystemAdapterRegistry registry;
    private final Function<String, QuotaLimits> limits;

    public StorageQuota(FileSystemAdapterRegistry registry, Function<String, QuotaLimits> limits) {
        this.registry = registry;
        this.limits = limits;
    }

    /**
     * Checks that an upload of {@code bytes} to {@code name} fits its tenant's quotas. Deleting versions makes room
     * again, so waiting alone does not help: the refusal carries no retry delay.
     */
    public void checkUpload(AdapterName name, long bytes) throws IOException {
        String tenant = name.tenant();
        QuotaLimits quota = limits.apply(tenant);
        if (bytes > quota.uploadBytes()) {
            throw new QuotaExceededException(QuotaLimits.UPLOAD_BYTES, "an upload of tenant '" + tenant + "' may hold "
                    + quota.uploadBytes() + " bytes, this one declares " + bytes, Duration.ZERO);
        }
        List<AdapterName> names = registry.names(tenant);
        if (!names.contains(name) && names.size() >= quota.adapters()) {
            throw new QuotaExceededException(QuotaLimits.ADAPTERS, "tenant '" + tenant + "' already has " + names.size()
                    + " adapters, its limit; delete one first", Duration.ZERO);
        }
        long used = 0;
        for (AdapterName held : names) {
            for (VersionMetadata version : registry.versions(held)) {
                used += version.sizeBytes();
            }
        }
        if (used + bytes > quota.adapterBytes()) {
            throw new QuotaExceededException(QuotaLimits.ADAPTER_BYTES, "tenant '" + tenant + "' holds " + used
                    + " bytes of adapters; " + bytes + " more would pass its " + quota.adapterBytes() + "; delete versions first",
                    Duration.ZERO);
        }
    }
}
