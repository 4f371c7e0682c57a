package io.swapgate.core.adapter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The blends requests asked for recently, so a blend's factors (as large as its parts together) are built once, not
 * per request; at most {@code capacity} are kept, the least recently used dropped first.
 */
public final class LoraBlendCache {

    private final Map<String, LoraAdapter> blends;

    public LoraBlendCache(int capacity) {
        this.blends = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LoraAdapter> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The blend of {@code parts}, built now or earlier. */
    public synchronized LoraAdapter blend(List<LoraMixture.Part> parts) {
        return blends.computeIfAbsent(LoraMixture.identityOf(parts).version(), version -> LoraMixture.of(parts));
    }
}
