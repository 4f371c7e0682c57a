package io.swapgate.core.training;

/** Linear warm-up to the peak rate, then cosine decay to a tenth of it at the last step. */
record LearningRateSchedule(double peak, int warmupSteps, int totalSteps) {

    double at(int step) {
        if (step <= warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
    }
}
