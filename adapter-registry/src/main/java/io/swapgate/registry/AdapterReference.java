package io.swapgate.registry;

import java.util.regex.Pattern;

/**
 * What a request names: {@code tenant/name}, {@code tenant/name@alias} or {@code tenant/name@version} (the full
 * sha256, or a prefix of at least 8 hex digits). Without a suffix, {@code @stable} if it exists, else {@code @latest}.
 *
 * @param selector the alias or version after '@', or null for none
 */
public record AdapterReference(AdapterName name, String selector) {

    private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{8,64}");

    /**
     * Every reference is checked here, however it was built: a selector from outside (a Promote's {@code version}, a
     * Delete's) becomes a file name in the registry, so one that is neither an alias nor a version never gets that far.
     */
    public AdapterReference {
        if (name == null) {
            throw new IllegalArgumentException("an adapter reference needs a name");
        }
        if (selector != null && !isVersion(selector) && !isAlias(selector)) {
            throw new IllegalArgumentException("invalid selector '@" + selector + "' for " + name
                    + ": an alias (lower-case letters, digits, '_' or '-') or a version (at least 8 hex digits)");
        }
    }

    public static AdapterReference parse(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            return new AdapterReference(AdapterName.parse(text), null);
        }
        return new AdapterReference(AdapterName.parse(text.substring(0, at)), text.substring(at + 1));
    }

    /** Whether the selector names a version (hex digits) rather than an alias. */
    public static boolean isVersion(String selector) {
        return VERSION.matcher(selector).matches() && selector.chars().anyMatch(Character::isDigit);
    }

    public static boolean isAlias(String selector) {
        return ALIAS.matcher(selector).matches();
    }

    /** Fails unless {@code alias} is a valid alias name. */
    public static String requireAlias(String alias) {
        if (alias == null || !isAlias(alias)) {
            throw new IllegalArgumentException("invalid alias '" + alias
                    + "': 1-32 lower-case letters, digits, '_' or '-', starting with a letter");
        }
        return alias;
    }

    @Override
    public String toString() {
        return selector == null ? name.toString() : name + "@" + selector;
    }
}
