package io.swapgate.gateway.training;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.Startup;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.training.ActivationMemory;
import io.swapgate.core.training.TrainingConfig;
import io.swapgate.gateway.config.SwapgateConfig;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.gateway.tenancy.StorageQuota;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import io.swapgate.retraining.EvaluationGate;
import io.swapgate.retraining.HeldOutSplit;
import io.swapgate.retraining.JobState;
import io.swapgate.retraining.RetrainingPolicy;
import io.swapgate.retraining.TrainingBackend;
import io.swapgate.retraining.TrainingJob;
import io.swapgate.retraining.TrainingJobs;
import io.swapgate.retraining.TrainingSettings;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The retraining loop of this gateway: training jobs over the served model, their examples beside the registry, and
 * their metrics. Off (and {@link #jobs} empty) when {@code swapgate.training.enabled} is false.
 */
@Startup
@ApplicationScoped
public class TrainingLoop {

    private static final Logger LOG = Logger.getLogger(TrainingLoop.class);

    private final ExampleStore examples;
    private final TrainingJobs jobs;

    TrainingLoop(
            SwapgateConfig config,
            ServedModel model,
            ServedAdapters adapters,
            MeterRegistry meters,
            StorageQuota storage) {
        this.examples =
                new ExampleStore(adapters.registry().root(), config.training().maxExampleFileBytes());
        if (!config.training().enabled()) {
            this.jobs = null;
            LOG.info("retraining is off on this gateway (swapgate.training.enabled=false)");
            return;
        }
        TrainingBackend backend = new TrainingBackend(
                model.foundation()
                        .trainer(new ActivationMemory(
                                config.training().memoryBudget().asLongValue())),
                model.foundation().evaluator(),
                model.tokenizer(),
                model.identity());
        this.jobs = new TrainingJobs(
                adapters.registry(),
                adapters.adapters(),
                examples,
                new ProtoExampleDecoder(),
                backend,
                settings(config.training()),
                Clock.systemUTC(),
                storage);
        try {
            jobs.start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the training jobs in " + adapters.registry().root(), e);
        }
        for (JobState state : JobState.values()) {
            Gauge.builder(
                            "swapgate.training.jobs",
                            jobs,
                            j -> j.list().stream()
                                    .filter(job -> job.state() == state)
                                    .count())
                    .tag("state", state.name())
                    .description("training jobs by state")
                    .register(meters);
        }
        Gauge.builder(
                        "swapgate.training.step",
                        jobs,
                        j -> running(j).map(TrainingJob::step).orElse(0))
                .description("the running training job's step")
                .register(meters);
        Gauge.builder(
                        "swapgate.training.loss",
                        jobs,
                        j -> running(j).map(TrainingJob::trainLoss).orElse(Double.NaN))
                .description("the running training job's latest training loss")
                .register(meters);
    }

    private static Optional<TrainingJob> running(TrainingJobs jobs) {
        return jobs.list().stream()
                .filter(j -> j.state() == JobState.RUNNING && j.trainLoss() != null)
                .findFirst();
    }

    private static TrainingSettings settings(SwapgateConfig.Training training) {
        RetrainingPolicy defaults =
                new RetrainingPolicy(training.minNewExamples(), training.maxWait(), training.cooldown());
        Map<String, RetrainingPolicy> policies = new HashMap<>();
        training.adapters()
                .forEach((adapter, policy) -> policies.put(
                        AdapterName.parse(adapter).toString(),
                        new RetrainingPolicy(
                                policy.minNewExamples().orElse(defaults.minNewExamples()),
                                policy.maxWait().orElse(defaults.maxWait()),
                                policy.cooldown().orElse(defaults.cooldown()))));
        return new TrainingSettings(
                training.alias(),
                new EvaluationGate(training.margin(), training.regressionTolerance()),
                new HeldOutSplit(training.heldOutFraction()),
                defaults,
                policies,
                kind -> TrainingConfig.defaults(kind)
                        .withLora(training.loraRank(), 0)
                        .withSteps(training.steps()),
                AdapterKind.valueOf(training.defaultKind().toUpperCase(Locale.ROOT)),
                training.maxAttempts(),
                training.checkpointEvery(),
                training.maxJobsPerTenant());
    }

    /** The jobs, when this gateway retrains. */
    public Optional<TrainingJobs> jobs() {
        return Optional.ofNullable(jobs);
    }

    /** Where examples are stored for retraining (also by gateways that do not retrain themselves). */
    public ExampleStore examples() {
        return examples;
    }

    /** Examples were durably stored: they count towards the adapter's retraining policy. */
    public void examplesStored(AdapterName adapter, int count) {
        if (jobs != null) {
            jobs.examplesStored(adapter, count);
        }
    }

    /** Before the engine drains: a running job stops and is left to run again at the next start. */
    void stop(@Observes @Priority(0) ShutdownDelayInitiatedEvent event) {
        if (jobs != null) {
            jobs.close();
        }
    }
}
