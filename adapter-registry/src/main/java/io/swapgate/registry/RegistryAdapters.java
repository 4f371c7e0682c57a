package io.swapgate.registry;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.UnservableAdapterException;
import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resolves references through the registry and loads the versions through the host cache. Resolutions are kept for
 * a short while so that requests do not read alias files from the store one by one; a change made through this
 * registry forgets them at once, and {@link #forget} does the same for changes other replicas announce.
 */
public final class RegistryAdapters {

    /** Past this many remembered resolutions (references are few in practice) they are all dropped. */
    private static final int MAX_RESOLUTIONS = 10_000;

    private record Resolution(ResolvedVersion version, long atNanos) {}

    private final FileSystemAdapterRegistry registry;
    private final PeftAdapterReader reader;
    private final HostAdapterCache cache;
    private final long resolutionTtlNanos;
    private final Map<AdapterReference, Resolution> resolutions = new ConcurrentHashMap<>();
    /** Counts {@link #forget} calls, so a resolution read while a change lands is not kept. */
    private final AtomicLong changes = new AtomicLong();

    /**
     * @param resolutionTtl how long a resolved reference is reused without reading the store again: the longest a
     *     change made outside this process (another replica without events, a hand edit) goes unseen
     */
    public RegistryAdapters(
            FileSystemAdapterRegistry registry,
            PeftAdapterReader reader,
            HostAdapterCache cache,
            Duration resolutionTtl) {
        this.registry = registry;
        this.reader = reader;
        this.cache = cache;
        this.resolutionTtlNanos = resolutionTtl.toNanos();
        registry.subscribe(event -> {
            if (event.type() == RegistryEvent.Type.DELETED) {
                deleted(AdapterName.parse(event.name()), event.version());
            } else {
                forget(AdapterName.parse(event.name()));
            }
        });
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
            return load(resolve(AdapterReference.parse(reference)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the registry for " + reference, e);
        }
    }

    /**
     * The versions a request names, at most one of each kind. Every reference is resolved and its kind read from the
     * version's metadata before any is loaded, so a request naming two of one kind costs no file read of weights.
     *
     * @throws IllegalArgumentException for a malformed reference or two adapters of one kind
     * @throws RegistryException NOT_FOUND when nothing is published under one of them
     */
    public List<Adapter> loadAll(List<String> references) {
        return loadAll(references, java.util.Collections.nCopies(references.size(), false));
    }

    /**
     * {@link #loadAll(List)} where the references {@code blended} marks are LoRAs to blend: they must be LoRAs, may be
     * several, and exclude an unblended LoRA. Checked from metadata before any weights are read.
     */
    public List<Adapter> loadAll(List<String> references, List<Boolean> blended) {
        try {
            List<ResolvedVersion> resolved = new ArrayList<>(references.size());
            Map<String, String> byKind = new HashMap<>();
            String blendedLora = null;
            for (int i = 0; i < references.size(); i++) {
                String reference = references.get(i);
                ResolvedVersion version = resolve(AdapterReference.parse(reference));
                String kind =
                        registry.metadata(version.name(), version.version()).kind();
                if (blended.get(i)) {
                    if (!kind.equals(AdapterKind.LORA.wireName())) {
                        throw new IllegalArgumentException(
                                "only LoRA adapters take a weight; " + reference + " is a " + kind + " adapter");
                    }
                    blendedLora = reference;
                } else {
                    String previous = byKind.put(kind, reference);
                    if (previous != null) {
                        throw new IllegalArgumentException("at most one " + kind + " adapter per request, got "
                                + previous + " and " + reference + " (to blend LoRAs give each a weight, as in"
                                + " a:0.7+b:0.3)");
                    }
                }
                resolved.add(version);
            }
            if (blendedLora != null && byKind.containsKey(AdapterKind.LORA.wireName())) {
                throw new IllegalArgumentException("to blend LoRAs give each a weight, as in a:0.7+b:0.3; "
                        + byKind.get(AdapterKind.LORA.wireName()) + " has none");
            }
            List<Adapter> loaded = new ArrayList<>(resolved.size());
            for (ResolvedVersion version : resolved) {
                loaded.add(load(version));
            }
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the registry for " + references, e);
        }
    }

    /** Forgets resolved references of an adapter whose aliases or versions changed. */
    public void forget(AdapterName name) {
        changes.incrementAndGet();
        resolutions.keySet().removeIf(reference -> reference.name().equals(name));
    }

    /** Forgets a deleted version: its resolutions, and its place in the host cache. */
    public void deleted(AdapterName name, String version) {
        forget(name);
        cache.remove(key(name, version));
    }

    private ResolvedVersion resolve(AdapterReference reference) throws IOException {
        long now = System.nanoTime();
        Resolution known = resolutions.get(reference);
        if (known != null && now - known.atNanos() < resolutionTtlNanos) {
            return known.version();
        }
        long changesBefore = changes.get();
        ResolvedVersion resolved = registry.resolve(reference);
        if (resolutions.size() >= MAX_RESOLUTIONS) {
            resolutions.clear();
        }
        if (changes.get() == changesBefore) {
            resolutions.put(reference, new Resolution(resolved, now));
        }
        return resolved;
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
