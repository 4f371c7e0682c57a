package io.swapgate.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes and names that uploads and publishes under way hold against their tenant's quotas, seen by every process that
 * shares the registry: without them, replicas taking uploads for one tenant at the same moment would each count only
 * what is stored and together pass the quota. A reservation is the file {@code reservations/TENANT/OWNER.ID.json};
 * it is checked and written under the tenant's lock ({@code reservations/TENANT/.lock}, {@code fcntl}), deleted when
 * the work ends, and ignored (then removed) once its owner's process is gone ({@link StagingArea#isLive}).
 */
public final class Reservations {

    /** Decides, from what a tenant holds (stored and reserved), whether a reservation may be made; throws if not. */
    @FunctionalInterface
    public interface Check {
        void admit(Holdings held) throws IOException;
    }

    /** A held reservation; closing it lets go of what it holds. */
    public interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    /** What a tenant holds: its adapters' names and bytes, stored or reserved. */
    public record Holdings(Set<AdapterName> names, long bytes) {}

    /** What a tenant has stored, read from the registry. */
    @FunctionalInterface
    interface Stored {
        Holdings of(String tenant) throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOCK_FILE = ".lock";
    /** fcntl locks belong to the process: threads (and registry instances) of one process take turns here first. */
    private static final Map<Path, Object> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path root;
    private final StagingArea owners;
    private final Stored stored;

    Reservations(Path root, StagingArea owners, Stored stored) {
        this.root = root;
        this.owners = owners;
        this.stored = stored;
    }

    /**
     * Reserves {@code bytes} under {@code name} if {@code check} admits them beside everything its tenant holds; the
     * returned handle lets them go. Nothing is reserved when the check throws.
     */
    Reservation reserve(AdapterName name, long bytes, Check check) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name.tenant()));
        Path lockFile = dir.resolve(LOCK_FILE);
        synchronized (IN_PROCESS.computeIfAbsent(lockFile, f -> new Object())) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                Holdings held = stored.of(name.tenant());
                Set<AdapterName> names = new HashSet<>(held.names());
                long heldBytes = held.bytes();
                for (Path file : FileSystemAdapterRegistry.children(dir)) {
                    String fileName = file.getFileName().toString();
                    if (!fileName.endsWith(".json") || fileName.startsWith(".")) {
                        continue;
                    }
                    if (!owners.isLive(fileName.substring(0, fileName.indexOf('.')))) {
                        Files.deleteIfExists(file); // its process died with the upload under way
                        continue;
                    }
                    JsonNode reservation = read(file);
                    if (reservation != null) {
                        names.add(AdapterName.parse(reservation.path("name").asText()));
                        heldBytes += reservation.path("bytes").asLong();
                    }
                }
                check.admit(new Holdings(Set.copyOf(names), heldBytes));
                Path file = dir.resolve(owners.owner() + "." + UUID.randomUUID() + ".json");
                AtomicFiles.write(
                        file,
                        JSON.createObjectNode()
                                .put("name", name.toString())
                                .put("bytes", bytes)
                                .toString()
                                .getBytes(StandardCharsets.UTF_8));
                return () -> release(file);
            }
        }
    }

    private static void release(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the reservation " + file, e);
        }
    }

    /** A reservation's content, or null when it was released while being read. */
    private static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException released) {
            return null;
        }
    }
}
