package io.swapgate.retraining;

import io.swapgate.core.training.Checkpoints;
import io.swapgate.core.training.TrainingCheckpoint;
import io.swapgate.registry.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's checkpoints in one file, replaced atomically at each save, so a stop at any moment leaves the previous
 * checkpoint or the new one. A file that cannot be read (torn by a disk fault, altered) is logged and ignored: the
 * job then starts from its first step, which costs time but never correctness.
 */
final class FileCheckpoints implements Checkpoints {

    private static final Logger LOG = LoggerFactory.getLogger(FileCheckpoints.class);

    private final Path file;
    private final int every;

    FileCheckpoints(Path file, int every) {
        this.file = file;
        this.every = every;
    }

    @Override
    public int every() {
        return every;
    }

    @Override
    public Optional<TrainingCheckpoint> latest() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(TrainingCheckpoint.fromBytes(Files.readAllBytes(file)));
        } catch (IOException e) {
            LOG.warn("ignoring unreadable training checkpoint {}: {}", file.getFileName(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void save(TrainingCheckpoint checkpoint) throws IOException {
        Files.createDirectories(file.getParent());
        AtomicFiles.write(file, checkpoint.toBytes());
    }
}
