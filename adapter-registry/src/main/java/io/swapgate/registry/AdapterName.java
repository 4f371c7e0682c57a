package io.swapgate.registry;

import java.util.regex.Pattern;

/** A tenant's adapter name, {@code tenant/name}: lower-case letters, digits, '.', '_' and '-', each part 1-64 long. */
public record AdapterName(String tenant, String name) {

    private static final Pattern PART = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public AdapterName {
        requirePart(tenant, "tenant");
        requirePart(name, "adapter name");
    }

    /** Parses {@code tenant/name}. */
    public static AdapterName parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("adapter name '" + text + "' must be tenant/name");
        }
        return new AdapterName(text.substring(0, slash), text.substring(slash + 1));
    }

    /** Checks a tenant's name by the same rule, for places that name a tenant alone. */
    public static String requireTenant(String tenant) {
        requirePart(tenant, "tenant");
        return tenant;
    }

    private static void requirePart(String part, String what) {
        if (part == null || !PART.matcher(part).matches() || part.contains("..")) {
            throw new IllegalArgumentException("invalid " + what + " '" + part
                    + "': use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    @Override
    public String toString() {
        return tenant + "/" + name;
    }
}
