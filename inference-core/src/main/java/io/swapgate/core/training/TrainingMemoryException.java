package io.swapgate.core.training;

/** A job whose micro-batches cannot fit the training memory budget, not even one example at a time. */
public final class TrainingMemoryException extends IllegalStateException {

    public TrainingMemoryException(String message) {
        super(message);
    }
}
