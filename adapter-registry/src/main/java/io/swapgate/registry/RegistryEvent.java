package io.swapgate.registry;

/**
 * A change of the registry, in the order it happened.
 *
 * @param alias the alias that moved (PROMOTED, ROLLED_BACK; {@code latest} on PUBLISHED), or null
 * @param previousVersion what the alias pointed at before, or null
 */
public record RegistryEvent(Type type, String name, String version, String alias, String previousVersion, String at) {

    public enum Type {
        PUBLISHED,
        PROMOTED,
        ROLLED_BACK,
        DELETED
    }
}
