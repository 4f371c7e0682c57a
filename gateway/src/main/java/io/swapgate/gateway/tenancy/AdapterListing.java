package io.swapgate.gateway.tenancy;

import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The adapter names a listing shows: a tenant's own, then those other tenants share with it. Shared names are read
 * from the sharing table, not found by scanning every tenant's adapters, so a listing costs one tenant's folder.
 */
public final class AdapterListing {

    private AdapterListing() {}

    /**
     * @param tenant whose adapters, or null for every tenant's (an admin's view, which has nothing shared to add)
     * @param includeShared whether to add the adapters shared with {@code tenant} that exist
     */
    public static List<AdapterName> names(
            FileSystemAdapterRegistry registry, Access access, String tenant, boolean includeShared)
            throws IOException {
        List<AdapterName> names = new ArrayList<>(registry.names(tenant));
        if (includeShared && tenant != null) {
            for (AdapterName shared : access.sharedWith(tenant)) {
                if (!registry.versionIds(shared).isEmpty()) {
                    names.add(shared);
                }
            }
        }
        return names;
    }

    /** Every adapter the caller may use: its own and those shared with it, or all for an admin. */
    public static List<AdapterName> usable(FileSystemAdapterRegistry registry, Access access, Caller caller)
            throws IOException {
        return names(registry, access, access.listingScope(caller, null), true);
    }
}
