package io.swapgate.gateway.serving;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterDirectory;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.AdapterNotFoundException;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The adapters requests may name, read from the configured adapter folder (until the registry replaces it)
 * and checked against the served base model.
 */
@Startup
@ApplicationScoped
public class ServedAdapters {

    private static final Logger LOG = Logger.getLogger(ServedAdapters.class);

    private final AdapterDirectory directory;

    ServedAdapters(SwapgateConfig config, ServedModel model) {
        AdapterLimits limits = new AdapterLimits(config.adapters().maxFileBytes(), config.adapters().maxLoraRank(),
                Math.max(1, model.engine().config().maxContext() / 4));
        this.directory = config.adapters().dir()
                .map(dir -> new AdapterDirectory(Path.of(dir), new PeftAdapterReader(model.identity(), limits)))
                .orElse(null);
        LOG.infof("adapters: %s", directory == null ? "none (swapgate.adapters.dir is not set)"
                : "from " + Path.of(config.adapters().dir().get()).toAbsolutePath().normalize());
    }

    /**
     * Resolves a request's adapter references and composes them. Reads from disk the first time an adapter is
     * used (or after it changed): call off the event loop when {@code references} is not empty.
     *
     * @param loraRank the requested DyLoRA rank, 0 for the LoRA's full rank
     */
    public AdapterSelection select(List<String> references, int loraRank) {
        if (references.isEmpty() && loraRank == 0) {
            return AdapterSelection.NONE;
        }
        List<Adapter> adapters = new ArrayList<>(references.size());
        for (String reference : references) {
            if (directory == null) {
                throw new AdapterNotFoundException(reference, "this gateway has no adapter folder configured");
            }
            adapters.add(directory.resolve(reference));
        }
        return AdapterSelection.of(adapters, loraRank);
    }
}
