package io.swapgate.gateway.tenancy;

import java.util.Set;

/**
 * Who made a call, as established by its API key.
 *
 * @param keyId the key's name in the key file (logged instead of the key)
 */
public record Caller(String keyId, String tenant, Set<Role> roles) {

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean isAdmin() {
        return roles.contains(Role.ADMIN);
    }
}
