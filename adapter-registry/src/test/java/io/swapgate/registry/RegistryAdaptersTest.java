package io.swapgate.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryAdaptersTest {

    @TempDir
    Path dir;

    /**
     * A deleted version leaves the host cache at once. Found by the soak test: with a version promoted and the one
     * before last deleted every 3 s, the heap after a full GC grew by the size of every deleted version (110 MiB in
     * 30 minutes), since the cache only let go of them when its 1 GiB bound was reached.
     */
    @Test
    void deletingAVersionDropsItFromTheHostCache() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 3);
        HostAdapterCache cache = new HostAdapterCache(1L << 30);
        RegistryAdapters adapters = new RegistryAdapters(fx.registry, fx.reader, cache, Duration.ofSeconds(5));
        VersionMetadata old = fx.publish("acme/swapped", "stable");
        VersionMetadata current = fx.publish("acme/swapped", "stable");
        long oldBytes = adapters.load("acme/swapped@" + old.version()).bytes();
        adapters.load("acme/swapped@stable");
        long both = cache.bytes();

        fx.registry.delete(AdapterName.parse("acme/swapped"), old.version(), version -> false);

        assertFalse(adapters.inHostCache(AdapterName.parse("acme/swapped"), old.version()));
        assertTrue(adapters.inHostCache(AdapterName.parse("acme/swapped"), current.version()));
        assertEquals(both - oldBytes, cache.bytes());
    }

    /** A request naming two adapters of one kind is refused from their metadata: neither one's weights are read. */
    @Test
    void twoAdaptersOfOneKindAreRefusedBeforeEitherIsLoaded() throws Exception {
        RegistryFixture fx = new RegistryFixture(dir, 5);
        HostAdapterCache cache = new HostAdapterCache(1L << 30);
        RegistryAdapters adapters = new RegistryAdapters(fx.registry, fx.reader, cache, Duration.ofSeconds(5));
        fx.publish("acme/one", "stable");
        fx.publish("acme/two", "stable");
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> adapters.loadAll(java.util.List.of("acme/one", "acme/two")));
        assertTrue(refused.getMessage().contains("at most one prompt adapter"), refused.getMessage());
        assertEquals(0, cache.loads(), "nothing was read");
        assertEquals(1, adapters.loadAll(java.util.List.of("acme/one")).size());
    }
}
