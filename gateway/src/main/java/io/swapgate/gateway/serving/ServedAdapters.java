package io.swapgate.gateway.serving;

import io.quarkus.runtime.Startup;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraBlendCache;
import io.swapgate.core.adapter.LoraMixture;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.gateway.config.SwapgateConfig;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.HostAdapterCache;
import io.swapgate.registry.IntegrityReport;
import io.swapgate.registry.RegistryAdapters;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The adapters requests may name: resolved through the registry at admission and pinned until the request ends,
 * loaded through the host cache, checked against the served base model.
 */
@Startup
@ApplicationScoped
public class ServedAdapters {

    private static final Logger LOG = Logger.getLogger(ServedAdapters.class);

    /** Recent LoRA blends kept built: enough for the blends a few tenants use at once. */
    private static final int BLENDS_KEPT = 32;

    /** Where a version is held, nearest first. */
    public enum Residency {
        DEVICE,
        HOST,
        STORE
    }

    private final ServedModel model;
    private final RegistryAdapters adapters;
    private final Map<String, AtomicInteger> pins = new ConcurrentHashMap<>();
    private final LoraBlendCache blends = new LoraBlendCache(BLENDS_KEPT);

    ServedAdapters(SwapgateConfig config, ServedModel model) {
        this.model = model;
        AdapterLimits limits = new AdapterLimits(
                config.adapters().maxFileBytes(),
                config.adapters().maxLoraRank(),
                Math.max(1, model.engine().config().maxContext() / 4));
        PeftAdapterReader reader = new PeftAdapterReader(model.identity(), limits);
        FileSystemAdapterRegistry registry =
                new FileSystemAdapterRegistry(Path.of(config.adapters().registryDir()), reader, Clock.systemUTC());
        try {
            IntegrityReport report = registry.checkIntegrity();
            LOG.infof(
                    "adapter registry at %s: %d versions, %d aliases",
                    registry.root(), report.versions(), report.aliases());
            report.problems().forEach(problem -> LOG.warnf("adapter registry: %s", problem));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the adapter registry at " + registry.root(), e);
        }
        this.adapters = new RegistryAdapters(
                registry,
                reader,
                new HostAdapterCache(config.adapters().hostCacheBytes()),
                config.adapters().resolutionTtl());
    }

    public RegistryAdapters adapters() {
        return adapters;
    }

    public FileSystemAdapterRegistry registry() {
        return adapters.registry();
    }

    /**
     * Resolves a request's references to exact versions (now, once) and composes them; the versions stay pinned until
     * {@link #release}. Reads files on a cold load: call off the event loop when {@code references} is not empty.
     *
     * @param loraRank the requested DyLoRA rank, 0 for the LoRA's full rank
     */
    public AdapterSelection select(List<String> references, int loraRank) {
        if (references.isEmpty() && loraRank == 0) {
            return AdapterSelection.NONE;
        }
        // At most one adapter of each kind, or a blend of a few LoRAs: a request naming more is refused before any of
        // them is read.
        int most = AdapterKind.values().length - 1 + LoraMixture.MAX_PARTS;
        if (references.size() > most) {
            throw new IllegalArgumentException("a request names at most " + most
                    + " adapters (one of each kind, or up to " + LoraMixture.MAX_PARTS + " weighted LoRAs); got "
                    + references.size());
        }
        List<WeightedReference> parsed =
                references.stream().map(WeightedReference::parse).toList();
        long weighted = parsed.stream().filter(r -> r.weight() != null).count();
        if (weighted > LoraMixture.MAX_PARTS) {
            throw new IllegalArgumentException(
                    "a request blends at most " + LoraMixture.MAX_PARTS + " LoRAs; got " + weighted);
        }
        List<Adapter> loaded = adapters.loadAll(
                parsed.stream().map(WeightedReference::reference).toList(),
                parsed.stream().map(r -> r.weight() != null).toList());
        AdapterSelection selection = AdapterSelection.of(
                loaded, parsed.stream().map(WeightedReference::weight).toList(), loraRank, blends::blend);
        selection
                .adapters()
                .forEach(a -> pins.computeIfAbsent(a.identity().version(), v -> new AtomicInteger())
                        .incrementAndGet());
        return selection;
    }

    /** Unpins what {@link #select} pinned; call once when the request ends, however it ends. */
    public void release(AdapterSelection selection) {
        for (Adapter adapter : selection.adapters()) {
            pins.computeIfPresent(
                    adapter.identity().version(), (v, count) -> count.decrementAndGet() == 0 ? null : count);
        }
    }

    /** Whether requests in flight use a version. */
    public boolean inUse(String version) {
        return pins.containsKey(version);
    }

    /** A version held nearer than the store. */
    public record ResidentVersion(AdapterName name, String version, Residency residency) {}

    /** The versions in the host cache (and so, for LoRA, possibly on the device) of {@code tenant}, or of all when null. */
    public List<ResidentVersion> resident(String tenant) {
        List<ResidentVersion> held = new ArrayList<>();
        for (AdapterIdentity identity : adapters.cache().identities()) {
            AdapterName name = AdapterName.parse(identity.name());
            if (tenant == null || name.tenant().equals(tenant)) {
                // In the host cache by construction: only the device slot table needs asking.
                held.add(new ResidentVersion(
                        name,
                        identity.version(),
                        model.engine().loraResident(identity) ? Residency.DEVICE : Residency.HOST));
            }
        }
        return held;
    }

    public Residency residency(AdapterName name, String version) {
        if (model.engine().loraResident(new AdapterIdentity(name.toString(), version))) {
            return Residency.DEVICE;
        }
        return adapters.inHostCache(name, version) ? Residency.HOST : Residency.STORE;
    }
}
