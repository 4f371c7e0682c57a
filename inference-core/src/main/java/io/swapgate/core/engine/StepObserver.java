package io.swapgate.core.engine;

/** Told about every forward step the engine runs, on the engine thread; must return at once. */
@FunctionalInterface
public interface StepObserver {

    /**
     * @param rows sequences in the step's batch
     * @param prefill whether the step fed prompts (else one new token per row)
     * @param nanos the forward pass and the sampling of every row
     */
    void onStep(int rows, boolean prefill, long nanos);
}
