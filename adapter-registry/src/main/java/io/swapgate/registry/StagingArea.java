package io.swapgate.registry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Where a process writes uploads before publishing them, and moves what it deletes: {@code staging/OWNER/}, owned by
 * one process for as long as it holds the lock on {@code staging/OWNER.lock} (the OS releases it when the process
 * dies). So processes sharing a registry each clean only what a dead process left, never another's upload under way.
 */
final class StagingArea {

    private static final String LOCK_SUFFIX = ".lock";

    private final Path root;
    private final String owner;
    private final Path own;
    /**
     * The lock that says this process is alive, held for the life of the process. Kept reachable on purpose: an
     * unreferenced channel is closed when the garbage collector finds it, which dropped the lock and let other
     * replicas take this process's uploads under way for a dead one's leftovers.
     */
    @SuppressWarnings("UnusedVariable")
    private final FileLock ownership;

    /** Claims a new area under {@code root} (the registry's {@code staging}) for this registry instance. */
    StagingArea(Path root) throws IOException {
        this.root = root;
        this.owner = UUID.randomUUID().toString();
        this.own = Files.createDirectories(root.resolve(owner));
        this.ownership = FileChannel.open(
                        root.resolve(owner + LOCK_SUFFIX), StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                .lock();
    }

    /** This process's name for itself among the processes sharing the registry. */
    String owner() {
        return owner;
    }

    /** Whether the process that named itself {@code other} still runs (and holds its area). */
    boolean isLive(String other) throws IOException {
        return other.equals(owner) || !ownerIsGone(root.resolve(other + LOCK_SUFFIX));
    }

    /** A fresh folder inside this process's area. */
    Path newFolder(String prefix) throws IOException {
        return Files.createDirectories(newPath(prefix));
    }

    /** A fresh name inside this process's area, not yet created (a move's target). */
    Path newPath(String prefix) {
        return own.resolve(prefix + UUID.randomUUID());
    }

    /** What dead owners left (their folders and anything in the old flat layout); this process's own is never listed. */
    List<Path> abandoned() throws IOException {
        List<Path> left = new ArrayList<>();
        for (Path entry : FileSystemAdapterRegistry.children(root)) {
            String name = entry.getFileName().toString();
            if (entry.equals(own) || name.endsWith(LOCK_SUFFIX)) {
                continue;
            }
            if (!Files.isDirectory(entry) || ownerIsGone(root.resolve(name + LOCK_SUFFIX))) {
                left.add(entry);
            }
        }
        return left;
    }

    /** Drops the lock file of an owner whose leftovers were taken away. */
    void forget(Path abandoned) throws IOException {
        Files.deleteIfExists(root.resolve(abandoned.getFileName() + LOCK_SUFFIX));
    }

    private static boolean ownerIsGone(Path lockFile) throws IOException {
        if (!Files.exists(lockFile)) {
            return true; // the flat layout of earlier versions: no owner at all
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock probe = channel.tryLock()) {
            return probe != null;
        } catch (OverlappingFileLockException heldHere) {
            return false; // another registry instance of this very process owns it
        }
    }
}
