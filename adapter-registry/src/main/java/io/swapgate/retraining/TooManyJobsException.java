package io.swapgate.retraining;

/** A tenant already has as many training jobs queued or running as it may: wait for one to end. */
public final class TooManyJobsException extends RuntimeException {

    public TooManyJobsException(String message) {
        super(message, null, false, false);
    }
}
