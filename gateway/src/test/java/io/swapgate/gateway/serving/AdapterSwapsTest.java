package io.swapgate.gateway.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Swaps done while the gateway starts, before Micrometer's registries are configured (Quarkus fires the startup event
 * that replays the registry's events first), still count once the swap timer is bound.
 */
class AdapterSwapsTest {

    @Test
    void swapsRecordedBeforeTheRegistryIsBoundAreCountedWhenItIs() {
        AdapterSwaps.BoundLater swaps = new AdapterSwaps.BoundLater(Timer.builder("swaps"));
        swaps.record(Duration.ofMillis(30));
        swaps.record(Duration.ofMillis(50));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        swaps.bindTo(registry);
        swaps.record(Duration.ofMillis(70));
        Timer timer = registry.get("swaps").timer();
        assertEquals(3, timer.count());
        assertEquals(150, timer.totalTime(TimeUnit.MILLISECONDS), 1e-6);
        assertEquals(70, timer.max(TimeUnit.MILLISECONDS), 1e-6);
    }

    @Test
    void atMostAThousandAndTwentyFourWaitForTheRegistry() {
        AdapterSwaps.BoundLater swaps = new AdapterSwaps.BoundLater(Timer.builder("swaps"));
        for (int i = 0; i < AdapterSwaps.BoundLater.HELD + 10; i++) {
            swaps.record(Duration.ofMillis(1));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        swaps.bindTo(registry);
        assertEquals(AdapterSwaps.BoundLater.HELD, registry.get("swaps").timer().count());
    }
}
