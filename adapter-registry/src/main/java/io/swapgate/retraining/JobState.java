package io.swapgate.retraining;

/** Where a training job is. The last four are final. */
public enum JobState {
    QUEUED,
    RUNNING,
    /** Published and moved to the gated alias: it beat the version it replaces. */
    PROMOTED,
    /** Published, not promoted; the job's reason says why. */
    PUBLISHED,
    FAILED,
    CANCELLED;

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }
}
