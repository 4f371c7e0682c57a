package io.swapgate.gateway.serving;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.Startup;
import io.swapgate.core.FoundationModel;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.model.ChatTemplate;
import io.swapgate.gateway.config.SwapgateConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** The base model and its engine, loaded once at startup and shared by every request. */
@Startup
@ApplicationScoped
public class ServedModel {

    private static final Logger LOG = Logger.getLogger(ServedModel.class);

    private final FoundationModel model;
    private final java.time.Duration grace;

    ServedModel(SwapgateConfig config, io.swapgate.gateway.tenancy.TenantDirectory tenants) {
        long started = System.nanoTime();
        EngineConfig limits = EngineConfig.builder()
                .maxBatchSize(config.engine().maxBatchSize())
                .queueCapacity(config.engine().queueCapacity())
                .maxContext(config.engine().maxContext())
                .prefillTokenBudget(config.engine().prefillTokenBudget())
                .prefillStretch(config.engine().prefillStretch())
                .maxLoraRank(config.adapters().maxLoraRank())
                .backgroundShare(config.engine().backgroundShare())
                .build();
        this.model = FoundationModel.load(
                Path.of(config.model().path()).toAbsolutePath().normalize(),
                new FoundationModel.Settings(
                        config.runtime().device(),
                        config.runtime().gpuDataType(),
                        config.runtime().threads(),
                        limits),
                tenants);
        this.grace = config.engine().shutdownGrace();
        LOG.infof("serving %s, loaded in %d ms", model.describe(), (System.nanoTime() - started) / 1_000_000);
    }

    public String name() {
        return model.name();
    }

    /** What adapters are bound to: the model's name and the digest of its weights. */
    public BaseModelIdentity identity() {
        return model.identity();
    }

    /** The model's own chat template, or null when its files have none. */
    public ChatTemplate chatTemplate() {
        return model.chatTemplate();
    }

    /** The trainer and evaluator over the served model, for the retraining loop. */
    public FoundationModel foundation() {
        return model;
    }

    public io.swapgate.core.tokenizer.Tokenizer tokenizer() {
        return model.tokenizer();
    }

    public InferenceEngine engine() {
        return model.engine();
    }

    /**
     * On SIGTERM, first of all (the shutdown-delay phase, before Quarkus' HTTP server counts and closes its requests):
     * readiness goes down, new requests are refused (UNAVAILABLE), and what is queued or running finishes for up to
     * the grace period.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event) throws InterruptedException {
        InferenceEngine engine = model.engine();
        var stats = engine.stats();
        LOG.infof(
                "shutting down: %d running and %d queued requests may finish within %s",
                stats.running(), stats.queued(), grace);
        if (engine.drain(grace)) {
            LOG.info("every in-flight request finished");
        } else {
            LOG.warnf(
                    "the grace period of %s ended: %d requests were cut",
                    grace, engine.stats().running() + engine.stats().queued());
        }
    }

    @PreDestroy
    void close() {
        model.close();
    }
}
