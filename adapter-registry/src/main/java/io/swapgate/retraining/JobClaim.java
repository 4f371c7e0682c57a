package io.swapgate.retraining;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One process's hold on a job: an exclusive lock on {@code jobs/<id>.lock} in the registry every replica shares. A
 * replica runs a job only while it holds the claim, so two replicas never run one job. The operating system (or the
 * NFS server, at the end of its lease) drops the lock when the holder dies, and another replica can then take the job.
 */
final class JobClaim implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private JobClaim(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The claim, or empty when another process (or this one) holds it. */
    static Optional<JobClaim> tryClaim(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return Optional.of(new JobClaim(file, channel, lock));
            }
        } catch (OverlappingFileLockException heldHere) {
            // this process already holds it
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        channel.close();
        return Optional.empty();
    }

    /** Lets go of a job that has ended: its lock file goes too. A process that opened it meanwhile finds it ended. */
    void releaseEnded() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            close();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
