package io.swapgate.core.training;

import java.io.IOException;
import java.util.Optional;

/** Where a training run keeps its latest checkpoint, so that a run stopped midway goes on from there. */
public interface Checkpoints {

    /** Saves nothing and resumes nothing. */
    Checkpoints NONE = new Checkpoints() {
        @Override
        public int every() {
            return 0;
        }

        @Override
        public Optional<TrainingCheckpoint> latest() {
            return Optional.empty();
        }

        @Override
        public void save(TrainingCheckpoint checkpoint) {}
    };

    /** Steps between checkpoints; 0 for none. */
    int every();

    /** The checkpoint saved last, if there is a readable one. */
    Optional<TrainingCheckpoint> latest() throws IOException;

    /** Replaces the latest checkpoint. */
    void save(TrainingCheckpoint checkpoint) throws IOException;
}
