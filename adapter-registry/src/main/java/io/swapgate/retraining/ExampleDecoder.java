package io.swapgate.retraining;

import io.swapgate.core.training.TextExample;
import io.swapgate.registry.ExampleStore;

/** Reads a stored example (its bytes are the intake's wire format) as a supervised example, or null to skip it. */
@FunctionalInterface
public interface ExampleDecoder {

    TextExample decode(ExampleStore.Example stored);
}
