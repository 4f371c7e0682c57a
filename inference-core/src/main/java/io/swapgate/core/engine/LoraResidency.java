package io.swapgate.core.engine;

import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.runtime.LoraSlotTable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which LoRA sits in which slot of the device table. A running sequence pins its adapter's slot; an unpinned
 * adapter stays resident (so the next request for it costs nothing) until its slot is needed, least recently
 * used first. Changed by the engine thread only.
 */
final class LoraResidency {

    private final LoraSlotTable table;
    /** Written by the engine thread only; concurrent so other threads may ask what is resident. */
    private final Map<AdapterIdentity, Integer> slotOf = new ConcurrentHashMap<>();

    private final AdapterIdentity[] occupant;
    private final int[] pins;
    private final long[] lastUse;
    private long clock;
    private long uploads;

    LoraResidency(LoraSlotTable table) {
        this.table = table;
        this.occupant = new AdapterIdentity[table.slots() + 1];
        this.pins = new int[table.slots() + 1];
        this.lastUse = new long[table.slots() + 1];
    }

    LoraSlotTable table() {
        return table;
    }

    /** Pins the adapter into a slot, uploading it if it is not resident; returns -1 when every slot is pinned. */
    int acquire(LoraAdapter adapter) {
        Integer resident = slotOf.get(adapter.identity());
        int slot = resident != null ? resident : victim();
        if (slot < 0) {
            return -1;
        }
        if (resident == null) {
            if (occupant[slot] != null) {
                slotOf.remove(occupant[slot]);
            }
            table.write(slot, adapter);
            occupant[slot] = adapter.identity();
            slotOf.put(adapter.identity(), slot);
            uploads++;
        }
        pins[slot]++;
        lastUse[slot] = ++clock;
        return slot;
    }

    boolean isResident(AdapterIdentity identity) {
        return slotOf.containsKey(identity);
    }

    void release(int slot) {
        pins[slot]--;
    }

    /** An empty slot if there is one, else the least recently used unpinned one, else -1. */
    private int victim() {
        int best = -1;
        for (int s = 1; s < occupant.length; s++) {
            if (occupant[s] == null) {
                return s;
            }
            if (pins[s] == 0 && (best < 0 || lastUse[s] < lastUse[best])) {
                best = s;
            }
        }
        return best;
    }

    /** Adapters uploaded to the device so far (a resident adapter reused costs none). */
    long uploads() {
        return uploads;
    }
}
