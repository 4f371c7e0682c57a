package io.swapgate.gateway.tenancy;

import java.util.Locale;

/** What a key may do: a tenant uses and manages its own adapters; an admin manages every tenant's. */
public enum Role {
    TENANT,
    ADMIN;

    /** The role as configured and shown: lower case. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Roles as the key file writes them: {@code tenant,admin}. */
    public static String join(java.util.Collection<Role> roles) {
        return String.join(",", roles.stream().map(Role::wireName).toList());
    }

    public static Role parse(String text) {
        try {
            return valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + text + "' (tenant or admin)");
        }
    }
}
