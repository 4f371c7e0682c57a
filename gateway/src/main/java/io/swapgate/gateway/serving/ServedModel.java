package io.swapgate.gateway.serving;

import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.ChatTemplate;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.swapgate.gateway.config.SwapgateConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** The base model and its engine, loaded once at startup and shared by every request. */
@Startup
@ApplicationScoped
public class ServedModel {

    private static final Logger LOG = Logger.getLogger(ServedModel.class);

    private final String name;
    private final BaseModelIdentity identity;
    private final ChatTemplate chatTemplate;
    private final LlamaRuntime runtime;
    private final InferenceEngine engine;
    private final java.time.Duration grace;

    ServedModel(SwapgateConfig config, io.swapgate.gateway.tenancy.TenantDirectory tenants) {
        long started = System.nanoTime();
        Path path = Path.of(config.model().path()).toAbsolutePath().normalize();
        LoadedModel model = ModelLoader.load(path);
        int threads = config.runtime().threads() > 0 ? config.runtime().threads()
                : RuntimeOptions.autoThreads(model.config().parameterCount(), Runtime.getRuntime().availableProcessors());
        RuntimeOptions options = RuntimeOptions.select(config.runtime().device(), config.runtime().gpuDataType(), threads);
        int context = Math.min(config.engine().maxContext(), model.config().contextLength());
        this.name = model.name();
        this.grace = config.engine().shutdownGrace();
        this.identity = BaseModelIdentity.of(model.name(), model.config(), model.weights());
        this.chatTemplate = model.chatTemplate();
        this.runtime = new LlamaRuntime(model.config(), model.weights(), options, context);
        EngineConfig limits = EngineConfig.builder()
                .maxBatchSize(config.engine().maxBatchSize())
                .queueCapacity(config.engine().queueCapacity())
                .maxContext(context)
                .prefillTokenBudget(config.engine().prefillTokenBudget())
                .maxLoraRank(config.adapters().maxLoraRank())
                .backgroundShare(config.engine().backgroundShare())
                .build();
        this.engine = new InferenceEngine(runtime, model.tokenizer(), limits, tenants);
        LOG.infof("serving %s (%s, %s, %.2fM parameters) on %s/%s with %d threads: context %d, batch %d, KV cache %.1f MiB,"
                + " loaded in %d ms", name, model.format(), path, model.config().parameterCount() / 1e6, options.device(),
                options.dataType(), threads, context,
                config.engine().maxBatchSize(), engine.kvCacheBytes() / 1048576.0, (System.nanoTime() - started) / 1_000_000);
    }

    public String name() {
        return name;
    }

    /** What adapters are bound to: the model's name and the digest of its weights. */
    public BaseModelIdentity identity() {
        return identity;
    }

    /** The model's own chat template, or null when its files have none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** The runtime the engine thread owns; only work run through {@link InferenceEngine#runInBackground} may use it. */
    public LlamaRuntime runtime() {
        return runtime;
    }

    public io.swapgate.core.tokenizer.Tokenizer tokenizer() {
        return engine.tokenizer();
    }

    public InferenceEngine engine() {
        return engine;
    }

    /**
     * On SIGTERM, first of all (the shutdown-delay phase, before Quarkus' HTTP server counts and closes its requests):
     * readiness goes down, new requests are refused (UNAVAILABLE), and what is queued or running finishes for up to
     * the grace period.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event) throws InterruptedException {
        var stats = engine.stats();
        LOG.infof("shutting down: %d running and %d queued requests may finish within %s", stats.running(), stats.queued(), grace);
        if (engine.drain(grace)) {
            LOG.info("every in-flight request finished");
        } else {
            LOG.warnf("the grace period of %s ended: %d requests were cut", grace, engine.stats().running() + engine.stats().queued());
        }
    }

    @PreDestroy
    void close() {
        engine.close();
        runtime.close();
    }
}
