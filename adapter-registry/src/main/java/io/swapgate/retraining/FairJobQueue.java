package io.swapgate.retraining;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Queued jobs, taken in turn by tenant: the next job is the oldest of the tenant served least recently (one never
 * served first, in the order tenants arrived), so one tenant's long queue delays another's job by one job at most.
 * Thread-safe.
 */
final class FairJobQueue {

    private final Map<String, Deque<String>> byTenant = new LinkedHashMap<>();
    private final Map<String, Long> lastServed = new HashMap<>();
    private long turns;

    synchronized void add(String tenant, String jobId) {
        byTenant.computeIfAbsent(tenant, t -> new ArrayDeque<>()).add(jobId);
    }

    /** The next job to run, or empty when none is queued. */
    synchronized Optional<String> next() {
        String chosen = null;
        for (String tenant : byTenant.keySet()) {
            if (chosen == null || lastServed.getOrDefault(tenant, -1L) < lastServed.getOrDefault(chosen, -1L)) {
                chosen = tenant;
            }
        }
        if (chosen == null) {
            return Optional.empty();
        }
        Deque<String> jobs = byTenant.get(chosen);
        String job = jobs.poll();
        if (jobs.isEmpty()) {
            byTenant.remove(chosen);
        }
        lastServed.put(chosen, ++turns);
        return Optional.of(job);
    }
}
