package io.swapgate.registry;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One lock per adapter name, across processes: replicas that share a registry volume each read an alias, change it
 * and write it back, and without the lock the last rename would win and an update would be lost. The lock is an
 * advisory {@code fcntl} lock on {@code locks/TENANT/NAME.lock} (kept outside the adapter's folder, which a delete
 * moves away), released when the work ends or the process dies. Callers in one process must not nest or overlap two
 * locks on one name (the registry serialises its changes before taking one).
 */
final class AdapterLocks {

    /** Work done while holding an adapter's lock. */
    @FunctionalInterface
    interface Locked<T> {
        T run() throws IOException;
    }

    private final Path dir;

    AdapterLocks(Path dir) {
        this.dir = dir;
    }

    <T> T holding(AdapterName name, Locked<T> work) throws IOException {
        Path file = dir.resolve(name.tenant()).resolve(name.name() + ".lock");
        Files.createDirectories(file.getParent());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            return work.run();
        }
    }
}
