package io.swapgate.core.training;

/** What a TempNet's training minimises; docs/retraining.md compares the two on the demo data. */
public enum TempNetObjective {

    /**
     * The held-out labels' negative log-likelihood under softmax(s / tau(z)): the temperature that makes the base
     * model's distribution best predict what tenants' text actually says next.
     */
    CALIBRATION,

    /**
     * The KL-constrained DRO loss of Qiu et al. (ICML 2024). With the base frozen its label term is a constant, so it
     * drives each step's distribution to the entropy log V − rho; rho left unset is chosen by that rule, as log V minus
     * the mean entropy the best fixed temperature gives on the training examples.
     */
    DRO;

    /** As jobs and requests name it: {@code calibration} or {@code dro}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the objectives there are */
    public static TempNetObjective parse(String wireName) {
        for (TempNetObjective objective : values()) {
            if (objective.wireName().equals(wireName.toLowerCase(java.util.Locale.ROOT))) {
                return objective;
            }
        }
        throw new IllegalArgumentException("unknown tempnet_objective '" + wireName + "': use calibration or dro");
    }
}
