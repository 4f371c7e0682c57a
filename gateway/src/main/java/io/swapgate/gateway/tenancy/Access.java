package io.swapgate.gateway.tenancy;

import io.swapgate.registry.AdapterName;
import io.swapgate.registry.AdapterReference;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which adapters a caller may use and manage. A tenant uses and manages its own adapters and uses those shared with
 * it; an admin may do anything. Checks run before the registry is consulted, so a refusal reads the same whether or
 * not the adapter exists.
 */
public final class Access {

    /** Sharing with this tenant name shares with every tenant. */
    public static final String EVERY_TENANT = "*";

    private final Map<String, Set<String>> sharedWith;

    /** @param sharing adapter names ({@code tenant/name}) to the tenants that may use them besides their owner */
    public Access(Map<String, List<String>> sharing) {
        sharing.keySet().forEach(AdapterName::parse);
        this.sharedWith = Map.copyOf(sharing.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> Set.copyOf(e.getValue()))));
    }

    /** Checks that the caller may generate with the adapter a reference ({@code tenant/name[@alias|@version]}) names. */
    public void checkUse(Caller caller, String reference) {
        AdapterName name = AdapterReference.parse(reference).name();
        if (!mayUse(caller, name)) {
            throw new AccessDeniedException("tenant '" + caller.tenant() + "' may not use adapter '" + name + "'");
        }
    }

    /** Whether the caller may generate with the adapter: its own, shared with its tenant, or any for an admin. */
    public boolean mayUse(Caller caller, AdapterName name) {
        if (caller.isAdmin() || caller.tenant().equals(name.tenant())) {
            return true;
        }
        return shares(sharedWith.getOrDefault(name.toString(), Set.of()), caller.tenant());
    }

    /** Whether an adapter shared with {@code tenants} is shared with {@code tenant}. */
    private static boolean shares(Set<String> tenants, String tenant) {
        return tenants.contains(tenant) || tenants.contains(EVERY_TENANT);
    }

    /** The adapters of other tenants shared with a tenant, by name or with every tenant, sorted; some may not exist. */
    public List<AdapterName> sharedWith(String tenant) {
        return sharedWith.entrySet().stream()
                .filter(e -> shares(e.getValue(), tenant))
                .map(e -> AdapterName.parse(e.getKey()))
                .filter(name -> !name.tenant().equals(tenant))
                .sorted(java.util.Comparator.comparing(AdapterName::toString))
                .toList();
    }

    /** Checks that the caller may upload, promote, roll back or delete versions of the adapter. */
    public void checkManage(Caller caller, AdapterName name) {
        checkTenant(caller, name.tenant());
    }

    /** Checks that the caller may see or manage everything of a tenant. */
    public void checkTenant(Caller caller, String tenant) {
        if (!caller.isAdmin() && !caller.tenant().equals(tenant)) {
            throw new AccessDeniedException("tenant '" + caller.tenant() + "' may not manage tenant '" + tenant + "'");
        }
    }

    /** Checks that the caller is an admin. */
    public void checkAdmin(Caller caller) {
        if (!caller.isAdmin()) {
            throw new AccessDeniedException("only an admin key may do this; key '" + caller.keyId() + "' is tenant '"
                    + caller.tenant() + "''s");
        }
    }

    /**
     * The tenant a listing covers: the one asked for if the caller may see it; when none is asked, the caller's own,
     * or every tenant (null) for an admin.
     */
    public String listingScope(Caller caller, String requested) {
        if (requested == null || requested.isEmpty()) {
            return caller.isAdmin() ? null : caller.tenant();
        }
        checkTenant(caller, requested);
        return requested;
    }
}
