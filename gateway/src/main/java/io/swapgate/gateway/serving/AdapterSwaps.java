package io.swapgate.gateway.serving;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.quarkus.runtime.Startup;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.RegistryEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Live swaps on this replica: when an alias moves (a promotion or rollback made here, or announced by another
 * replica), the version it now names is loaded into the host cache before requests ask for it, and the time from
 * learning of the move to the version being ready is recorded as {@code swapgate_adapter_swap_seconds}. The latest
 * swaps are kept for the monitor.
 *
 * <p>The timer is registered when Micrometer binds this bean ({@link MeterBinder}), after the exporting registries
 * exist. Quarkus fires the startup event, which subscribes this bean and so replays the registry's events, before it
 * configures those registries; a timer registered here and recorded then would lose those swaps from the export (a
 * replica starting behind a run of promotions reported none). Swaps done before the binding are recorded at it.
 */
@Startup
@ApplicationScoped
public class AdapterSwaps implements MeterBinder {

    private static final Logger LOG = Logger.getLogger(AdapterSwaps.class);
    private static final int KEPT = 64;

    /** A swap done: {@code alias} of {@code name} moved to {@code version}, loaded and ready {@code ready} later. */
    public record Swap(
            AdapterName name, String alias, String version, RegistryEvent.Type type, Duration ready, Instant at) {}

    private final ServedAdapters served;
    private final BoundLater swaps = new BoundLater(Timer.builder("swapgate.adapter.swap")
            .publishPercentileHistogram()
            .description("from an alias moving to its new version being loaded on this replica, ready to serve"));

    private final AutoCloseable subscription;
    private final Deque<Swap> recent = new ArrayDeque<>();
    /** Loading reads files: one at a time, off the thread that reported the change. */
    private final ExecutorService loading = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "swapgate-adapter-swap");
        t.setDaemon(true);
        return t;
    });

    AdapterSwaps(ServedAdapters served) {
        this.served = served;
        this.subscription = served.registry()
                .subscribe(
                        event -> moved(AdapterName.parse(event.name()), event.alias(), event.type(), event.version()));
    }

    /** An adapter changed: when an alias moved, load the version it names now. */
    public void moved(AdapterName name, String alias, RegistryEvent.Type type, String version) {
        if (type != RegistryEvent.Type.PROMOTED && type != RegistryEvent.Type.ROLLED_BACK) {
            return;
        }
        long learned = System.nanoTime();
        loading.execute(() -> {
            try {
                served.adapters().load(name + "@" + version);
                Duration took = Duration.ofNanos(System.nanoTime() - learned);
                swaps.record(took);
                remember(new Swap(name, alias, version, type, took, Instant.now()));
                LOG.infof("%s: %s now names %s, loaded and ready in %d ms", name, type, version, took.toMillis());
            } catch (RuntimeException e) {
                LOG.infof(
                        "not loading %s@%s: %s", name, version, e.getMessage()); // deleted since, or not servable here
            }
        });
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        swaps.bindTo(registry);
    }

    /**
     * A timer that may be recorded before its registry is known: durations recorded earlier (up to {@value #HELD})
     * wait and are recorded when it is bound.
     */
    static final class BoundLater {
        static final int HELD = 1024;

        private final Timer.Builder builder;
        private final List<Duration> held = new ArrayList<>();
        private Timer timer;

        BoundLater(Timer.Builder builder) {
            this.builder = builder;
        }

        synchronized void bindTo(MeterRegistry registry) {
            timer = builder.register(registry);
            held.forEach(timer::record);
            held.clear();
        }

        synchronized void record(Duration took) {
            if (timer != null) {
                timer.record(took);
            } else if (held.size() < HELD) {
                held.add(took);
            }
        }
    }

    /** The latest swaps, newest first. */
    public synchronized List<Swap> recent() {
        return new ArrayList<>(recent);
    }

    private synchronized void remember(Swap swap) {
        recent.addFirst(swap);
        if (recent.size() > KEPT) {
            recent.removeLast();
        }
    }

    @PreDestroy
    void stop() throws Exception {
        subscription.close();
        loading.shutdownNow();
    }
}
