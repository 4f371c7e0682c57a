package io.swapgate.core.training;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import java.util.SplittableRandom;

/** An adapter being trained (or evaluated): its parameters, and the adapter they make once written out. */
interface Trainable extends AutoCloseable {

    ParameterSet parameters();

    /** The adapter with the parameters' current values. */
    Adapter export(AdapterIdentity identity);

    /** Per-step choices made before a step's micro-batches (DyLoRA samples its rank). */
    default void beforeStep(SplittableRandom random) {}

    /** After training: serve at full capacity. */
    default void afterTraining() {}

    @Override
    default void close() {
        parameters().close();
    }
}
