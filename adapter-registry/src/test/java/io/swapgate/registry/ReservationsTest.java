package io.swapgate.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quota reservations shared by every registry instance on one root, as replicas on one volume share them. Two
 * instances in one process stand for two processes: each claims its own staging owner, as a process does.
 */
class ReservationsTest {

    private static final AdapterName A = AdapterName.parse("acme/a");
    private static final AdapterName B = AdapterName.parse("acme/b");

    @TempDir
    Path dir;

    @Test
    void anotherReplicasReservationCountsAgainstTheQuotaUntilItIsReleased() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        FileSystemAdapterRegistry other = replicaOf(fx);
        List<Reservations.Holdings> seen = new ArrayList<>();

        Reservations.Reservation held = fx.registry.reserve(A, 100, seen::add);
        other.reserve(B, 10, seen::add).close();
        assertEquals(new Reservations.Holdings(Set.of(A), 100), seen.get(1), "the other replica sees the reservation");

        held.close();
        other.reserve(B, 10, seen::add).close();
        assertEquals(new Reservations.Holdings(Set.of(), 0), seen.get(2), "a released reservation holds nothing");
    }

    @Test
    void aRefusedReservationHoldsNothing() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        assertThrows(
                IllegalStateException.class,
                () -> fx.registry.reserve(A, 100, held -> {
                    throw new IllegalStateException("over the quota");
                }));
        List<Reservations.Holdings> seen = new ArrayList<>();
        fx.registry.reserve(A, 1, seen::add).close();
        assertEquals(0, seen.get(0).bytes());
    }

    @Test
    void storedVersionsCountBesideReservations() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        VersionMetadata stored = fx.publish("acme/a", null);
        List<Reservations.Holdings> seen = new ArrayList<>();
        try (var held = fx.registry.reserve(B, 7, h -> {})) {
            fx.registry.reserve(B, 1, seen::add).close();
        }
        assertEquals(new Reservations.Holdings(Set.of(A, B), stored.sizeBytes() + 7), seen.get(0));
    }

    @Test
    void theReservationOfAProcessThatDiedIsIgnoredAndRemoved() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        Path tenantDir = Files.createDirectories(
                fx.registry.root().resolve("reservations").resolve("acme"));
        Path orphan = tenantDir.resolve(UUID.randomUUID() + "." + UUID.randomUUID() + ".json");
        Files.writeString(orphan, "{\"name\":\"acme/z\",\"bytes\":999}", StandardCharsets.UTF_8);

        List<Reservations.Holdings> seen = new ArrayList<>();
        fx.registry.reserve(A, 1, seen::add).close();
        assertEquals(new Reservations.Holdings(Set.of(), 0), seen.get(0));
        assertFalse(Files.exists(orphan), "the dead process's reservation was removed");
    }

    @Test
    void aLiveReplicaStaysLiveAfterGarbageCollection() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        FileSystemAdapterRegistry other = replicaOf(fx);
        try (var held = fx.registry.reserve(A, 100, h -> {})) {
            for (int round = 0; round < 3; round++) {
                collectGarbage();
            }
            List<Reservations.Holdings> seen = new ArrayList<>();
            other.reserve(B, 1, seen::add).close();
            assertEquals(100, seen.get(0).bytes(), "the other replica took the live one for dead");
        }
    }

    @Test
    void reservationsRacingFromTwoReplicasNeverTogetherPassALimit() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 1);
        List<FileSystemAdapterRegistry> replicas = List.of(fx.registry, replicaOf(fx));
        long limit = 50;
        List<Callable<Reservations.Reservation>> attempts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            FileSystemAdapterRegistry replica = replicas.get(i % 2);
            attempts.add(() -> {
                try {
                    return replica.reserve(A, 10, held -> {
                        if (held.bytes() + 10 > limit) {
                            throw new IllegalStateException("over");
                        }
                    });
                } catch (IllegalStateException refused) {
                    return null;
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Reservations.Reservation> granted = new ArrayList<>();
        try {
            for (Future<Reservations.Reservation> attempt : pool.invokeAll(attempts)) {
                if (attempt.get() != null) {
                    granted.add(attempt.get());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(5, granted.size(), "exactly the limit's worth was reserved");
        granted.forEach(Reservations.Reservation::close);
        assertTrue(
                RegistryFixture.list(fx.registry.root().resolve("reservations").resolve("acme")).stream()
                        .allMatch(".lock"::equals));
    }

    /** Runs the collector until an object that only a weak reference reaches is gone, and lets cleaners run. */
    private static void collectGarbage() throws InterruptedException {
        var queue = new java.lang.ref.ReferenceQueue<Object>();
        var sentinel = new java.lang.ref.WeakReference<>(new Object(), queue);
        while (queue.remove(100) == null) {
            System.gc();
        }
        assertTrue(sentinel.refersTo(null));
    }

    private static FileSystemAdapterRegistry replicaOf(RegistryFixture fx) {
        return new FileSystemAdapterRegistry(fx.registry.root(), fx.reader, Clock.systemUTC());
    }
}
