package io.swapgate.retraining;

import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.training.TrainingConfig;
import io.swapgate.registry.AdapterName;
import java.util.Map;
import java.util.function.Function;

/**
 * How retraining behaves.
 *
 * @param alias the alias a version that passes the gate is promoted to
 * @param policies per-adapter retraining policies (key tenant/name); the rest use {@code defaultPolicy}
 * @param configs training hyper-parameters per adapter kind
 * @param defaultKind the kind trained for an adapter that has no version yet
 * @param maxAttempts runs of one job a gateway restart may start before the job is failed
 * @param checkpointEvery steps between a running job's checkpoints, from which a run again goes on; 0 for none
 * @param maxJobsPerTenant jobs one tenant may have queued or running at once on this replica
 */
public record TrainingSettings(
        String alias,
        EvaluationGate gate,
        HeldOutSplit split,
        RetrainingPolicy defaultPolicy,
        Map<String, RetrainingPolicy> policies,
        Function<AdapterKind, TrainingConfig> configs,
        AdapterKind defaultKind,
        int maxAttempts,
        int checkpointEvery,
        int maxJobsPerTenant) {

    public TrainingSettings {
        policies = Map.copyOf(policies);
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "checkpoint-every must be 0 (none) or a number of steps, not " + checkpointEvery);
        }
        if (maxJobsPerTenant <= 0) {
            throw new IllegalArgumentException("max-jobs-per-tenant must be positive, not " + maxJobsPerTenant);
        }
    }

    public RetrainingPolicy policy(AdapterName adapter) {
        return policies.getOrDefault(adapter.toString(), defaultPolicy);
    }
}
