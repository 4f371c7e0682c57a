package io.swapgate.core.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch slots held per tenant, weighed by the tenant policy: the scheduler admits the waiting tenant with the lowest
 * load (slots per unit of weight) and takes a slot back from the most loaded one when that makes the split fairer.
 * Engine thread only.
 */
final class SlotShares<S extends Schedulable> {

    private final TenantPolicy policy;
    private final Map<String, Integer> held = new HashMap<>();

    SlotShares(TenantPolicy policy) {
        this.policy = policy;
    }

    void started(S sequence) {
        held.merge(sequence.tenant(), 1, Integer::sum);
    }

    void released(S sequence) {
        held.computeIfPresent(sequence.tenant(), (tenant, count) -> count == 1 ? null : count - 1);
    }

    /** Slots the tenant holds per unit of weight. */
    double load(String tenant) {
        return held.getOrDefault(tenant, 0) / policy.weight(tenant);
    }

    /**
     * The running sequence to preempt so that {@code claimant} gets a slot: one of the most loaded tenant's, if moving
     * a slot from it leaves it no less loaded than the claimant would then be; else null. The victim is the one with
     * the least work in the cache, since a preempted sequence recomputes its cache when readmitted. Only sequences that
     * have run a step qualify: one admitted in the plan being made has not, and its slot is not yet its to give up.
     */
    S victimFor(String claimant, List<S> running) {
        String loaded = null;
        for (String tenant : held.keySet()) {
            if (!tenant.equals(claimant) && (loaded == null || load(tenant) > load(loaded))) {
                loaded = tenant;
            }
        }
        if (loaded == null) {
            return null;
        }
        double loadedAfter = (held.get(loaded) - 1) / policy.weight(loaded);
        double claimantAfter = (held.getOrDefault(claimant, 0) + 1) / policy.weight(claimant);
        if (loadedAfter < claimantAfter) {
            return null;
        }
        S victim = null;
        for (S s : running) {
            if (s.tenant().equals(loaded)
                    && !s.isPrefill()
                    && (victim == null || s.cachedTokens() < victim.cachedTokens())) {
                victim = s;
            }
        }
        return victim;
    }
}
