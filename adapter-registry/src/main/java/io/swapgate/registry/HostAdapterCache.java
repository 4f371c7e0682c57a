package io.swapgate.registry;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Loaded adapters kept in host memory, least recently used evicted first once their bytes exceed the bound.
 * Eviction only drops the cache's reference: requests that resolved a version keep their own until they end.
 * Loads run outside the lock, so a slow load never delays hits on other adapters, and once per key at a time (single
 * flight): callers asking for a key being loaded wait for that load instead of reading the files again. Thread-safe.
 */
public final class HostAdapterCache {

    private final long maxBytes;
    private final LinkedHashMap<String, Adapter> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CompletableFuture<Adapter>> loading = new HashMap<>();
    private long bytes;
    private long loads;

    public HostAdapterCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The adapter under {@code key}, loading it with {@code loader} on a miss (or waiting for the load under way). */
    public Adapter get(String key, Supplier<Adapter> loader) {
        CompletableFuture<Adapter> load;
        CompletableFuture<Adapter> underWay;
        synchronized (this) {
            Adapter hit = entries.get(key);
            if (hit != null) {
                return hit;
            }
            underWay = loading.get(key);
            load = underWay == null ? new CompletableFuture<>() : null;
            if (load != null) {
                loading.put(key, load);
            }
        }
        if (underWay != null) {
            return awaitLoad(underWay);
        }
        try {
            Adapter loaded = loader.get();
            synchronized (this) {
                loads++;
                loading.remove(key);
                entries.put(key, loaded);
                bytes += loaded.bytes();
                evict(key);
            }
            load.complete(loaded);
            return loaded;
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                loading.remove(key);
            }
            load.completeExceptionally(e);
            throw e;
        }
    }

    /** Waits (never holding the lock) for another caller's load, failing as it failed. */
    private static Adapter awaitLoad(CompletableFuture<Adapter> load) {
        try {
            return load.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void evict(String keep) {
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Adapter> eldest = it.next();
            if (!eldest.getKey().equals(keep)) {
                bytes -= eldest.getValue().bytes();
                it.remove();
            }
        }
    }

    /** Drops {@code key} (a deleted version: nothing will ask for it again, so waiting for LRU would hold it). */
    public synchronized void remove(String key) {
        Adapter removed = entries.remove(key);
        if (removed != null) {
            bytes -= removed.bytes();
        }
    }

    public synchronized boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** What the cache holds now, least recently used first. */
    public synchronized List<AdapterIdentity> identities() {
        List<AdapterIdentity> held = new ArrayList<>(entries.size());
        entries.values().forEach(adapter -> held.add(adapter.identity()));
        return held;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Adapters read from the store so far (misses). */
    public synchronized long loads() {
        return loads;
    }
}
