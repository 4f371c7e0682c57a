package io.swapgate.registry;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.UnservableAdapterException;
import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Resolves references through the registry and loads the versions through the host cache. */
public final class RegistryAdapters {

    private final FileSystemAdapterRegistry registry;
    private final PeftAdapterReader reader;
    private final HostAdapterCache cache;

    public RegistryAdapters(FileSystemAdapterRegistry registry, PeftAdapterReader reader, HostAdapterCache cache) {
        this.registry = registry;
        this.reader = reader;
        this.cache = cache;
    }

    public FileSystemAdapterRegistry registry() {
        return registry;
    }

    public HostAdapterCache cache() {
        return cache;
    }

    /**
     * The adapter version {@code reference} names now; its identity is {@code tenant/name} and the version.
     *
     * @throws IllegalArgumentException for a malformed reference
     * @throws RegistryException NOT_FOUND when nothing is published under it
     */
    public Adapter load(String reference) {
        try {
            return load(registry.resolve(AdapterReference.parse(reference)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the registry for " + reference, e);
        }
    }

    /** Loads one resolved version into the host cache (pre-warming, or serving). */
    public Adapter load(ResolvedVersion resolved) {
        String key = key(resolved.name(), resolved.version());
        return cache.get(key, () -> {
            try {
                return reader.read(resolved.folder(), resolved.name().toString());
            } catch (ModelFormatException e) {
                throw new UnservableAdapterException(key, e.problem(), e);
            }
        });
    }

    public boolean inHostCache(AdapterName name, String version) {
        return cache.contains(key(name, version));
    }

    /** Host-cache key: the version under its name, so each name keeps its own identity. */
    private static String key(AdapterName name, String version) {
        return name + "@" + version;
    }
}
