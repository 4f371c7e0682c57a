package io.swapgate.retraining;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.training.EvalMetrics;
import io.swapgate.core.training.FixedTemperature;
import io.swapgate.core.training.TempNetObjective;
import io.swapgate.core.training.TextExample;
import io.swapgate.core.training.TokenizedExample;
import io.swapgate.core.training.TrainingConfig;
import io.swapgate.core.training.TrainingResult;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.AdapterReference;
import io.swapgate.registry.ExampleStore;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.PublishRequest;
import io.swapgate.registry.RegistryAdapters;
import io.swapgate.registry.RegistryException;
import io.swapgate.registry.ResolvedVersion;
import io.swapgate.registry.VersionMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job: reads the adapter's examples, splits off the held-out ones, trains (from the version the gated alias
 * serves, when it is of the same kind), evaluates the result and that version on the held-out examples, and publishes
 * the result with its metrics and parent, promoted only when the gate says so. The seed comes from the job's id, so a
 * job run again after a crash publishes the same bytes, and the registry's content addressing makes that idempotent.
 * A run again goes on from the job's latest checkpoint when it trains the same examples from the same parent.
 */
final class JobRunner {

    static final String JOB_LABEL = "training_job";
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final FileSystemAdapterRegistry registry;
    private final RegistryAdapters adapters;
    private final ExampleStore examples;
    private final ExampleDecoder decoder;
    private final JobStore jobs;
    private final TrainingBackend backend;
    private final TrainingSettings settings;
    private final Clock clock;
    private final PublishGuard guard;

    JobRunner(
            FileSystemAdapterRegistry registry,
            RegistryAdapters adapters,
            ExampleStore examples,
            ExampleDecoder decoder,
            JobStore jobs,
            TrainingBackend backend,
            TrainingSettings settings,
            Clock clock,
            PublishGuard guard) {
        this.guard = guard;
        this.registry = registry;
        this.adapters = adapters;
        this.examples = examples;
        this.decoder = decoder;
        this.jobs = jobs;
        this.backend = backend;
        this.settings = settings;
        this.clock = clock;
    }

    private record Current(ResolvedVersion version, Adapter adapter) {}

    /** Whether a job may continue from {@code current}: a LoRA asked for in another shape is trained afresh. */
    private static boolean fits(Adapter current, LoraShape asked) {
        if (asked == null || !(current instanceof LoraAdapter lora)) {
            return true;
        }
        return lora.rank() == asked.rank() && lora.minRank() == asked.minRank();
    }

    TrainingJob run(TrainingJob job, Consumer<TrainingJob> update, BooleanSupplier cancelled) throws Exception {
        AdapterName name = AdapterName.parse(job.adapter());
        List<TokenizedExample> train = new ArrayList<>();
        List<TokenizedExample> heldOut = new ArrayList<>();
        int count = split(name, train, heldOut);
        Current current = current(name);
        AdapterKind kind = job.kind() != null
                ? AdapterKind.valueOf(job.kind().toUpperCase(Locale.ROOT))
                : current != null ? current.adapter().kind() : settings.defaultKind();
        Adapter parent = current != null && current.adapter().kind() == kind && fits(current.adapter(), job.lora())
                ? current.adapter()
                : null;
        TrainingConfig defaults = settings.configs().apply(kind);
        if (kind == AdapterKind.LORA && job.lora() != null) {
            defaults = defaults.withLora(job.lora().rank(), job.lora().minRank());
        }
        if (kind == AdapterKind.TEMPNET && job.objective() != null) {
            defaults = defaults.withTempNet(TempNetObjective.parse(job.objective()), Float.NaN);
        }
        TrainingConfig config = defaults.withSteps(job.steps() > 0 ? job.steps() : defaults.maxSteps())
                .withSeed(job.id().hashCode());
        AtomicReference<TrainingJob> latest = new AtomicReference<>(job.started(
                kind.wireName(),
                config.maxSteps(),
                count,
                parent == null ? null : current.version().version(),
                heldOut.stream().map(TokenizedExample::id).toList(),
                now()));
        update.accept(latest.get());

        TrainingResult result = backend.trainer()
                .train(
                        config,
                        train,
                        parent,
                        new AdapterIdentity(name.toString(), ""),
                        p -> update.accept(latest.updateAndGet(j -> j.progressed(
                                p.step(),
                                p.resumedFrom(),
                                p.trainLoss(),
                                Double.isNaN(p.validationLoss()) ? null : p.validationLoss(),
                                p.etaMillis(),
                                now()))),
                        cancelled,
                        new FileCheckpoints(jobs.checkpointFile(job.id()), settings.checkpointEvery()));
        EvalMetrics candidate = backend.evaluator().evaluate(result.adapter(), heldOut);
        EvalMetrics baseline = backend.evaluator().evaluate(current == null ? null : current.adapter(), heldOut);
        Map<String, Double> metrics = new LinkedHashMap<>(candidate.asMap("eval_"));
        metrics.putAll(baseline.asMap("baseline_eval_"));
        metrics.put("train_loss", result.trainLoss());
        metrics.put("steps", (double) result.steps());
        List<TokenizedExample> prior = current == null ? List.of() : priorHeldOut(current, heldOut);
        EvalMetrics candidateOnPrior = null;
        EvalMetrics currentOnPrior = null;
        if (!prior.isEmpty()) {
            candidateOnPrior = backend.evaluator().evaluate(result.adapter(), prior);
            currentOnPrior = backend.evaluator().evaluate(current.adapter(), prior);
            metrics.put("prior_eval_loss", candidateOnPrior.loss());
            metrics.put("baseline_prior_eval_loss", currentOnPrior.loss());
        }
        EvaluationGate.Decision decision;
        if (kind == AdapterKind.TEMPNET) {
            FixedTemperature fixed = backend.evaluator().bestFixedTemperature(train, config.tauMin(), config.tauMax());
            EvalMetrics fixedOnHeldOut = backend.evaluator().evaluateAt(fixed.temperature(), heldOut);
            metrics.put("fixed_temperature", fixed.temperature());
            metrics.putAll(fixedOnHeldOut.asMap("fixed_temperature_eval_"));
            decision = settings.gate()
                    .decideTempNet(
                            candidate, baseline, fixedOnHeldOut, fixed.temperature(), candidateOnPrior, currentOnPrior);
        } else {
            decision = settings.gate().decide(candidate, baseline, candidateOnPrior, currentOnPrior);
        }
        String version = publish(name, job, result.adapter(), latest.get().parentVersion(), metrics, decision);
        return latest.get()
                .ended(
                        decision.promote() ? JobState.PROMOTED : JobState.PUBLISHED,
                        version,
                        decision.reason(),
                        metrics,
                        now());
    }

    /** Decodes and tokenizes the adapter's examples into the two sides of the split; returns how many were usable. */
    private int split(AdapterName name, List<TokenizedExample> train, List<TokenizedExample> heldOut)
            throws IOException {
        int usable = 0;
        int maxTokens = settings.configs().apply(settings.defaultKind()).maxTokens();
        for (ExampleStore.Example stored : examples.read(name)) {
            TextExample example = decoder.decode(stored);
            if (example == null) {
                continue;
            }
            try {
                TokenizedExample tokens = TokenizedExample.of(backend.tokenizer(), example, maxTokens);
                (settings.split().heldOut(example.id()) ? heldOut : train).add(tokens);
                usable++;
            } catch (IllegalArgumentException tooLong) {
                LOG.warn("training {} without example {}: {}", name, example.id(), tooLong.getMessage());
            }
        }
        if (train.isEmpty() || heldOut.isEmpty()) {
            throw new IllegalStateException(
                    "too few examples: " + train.size() + " to train on and " + heldOut.size() + " held out ("
                            + Math.round(settings.split().fraction() * 100) + "% of examples are held out by id)");
        }
        return usable;
    }

    private Current current(AdapterName name) throws IOException {
        try {
            ResolvedVersion version = registry.resolve(new AdapterReference(name, settings.alias()));
            return new Current(version, adapters.load(version));
        } catch (RegistryException e) {
            if (e.reason() == RegistryException.Reason.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The held-out examples the current version was itself evaluated on (by the job that trained it). */
    private List<TokenizedExample> priorHeldOut(Current current, List<TokenizedExample> heldOut) throws IOException {
        VersionMetadata metadata =
                registry.metadata(current.version().name(), current.version().version());
        String jobId = metadata.labels().get(JOB_LABEL);
        if (jobId == null) {
            return List.of();
        }
        Set<String> ids =
                Set.copyOf(jobs.get(jobId).map(TrainingJob::heldOutIds).orElse(List.of()));
        return heldOut.stream().filter(e -> ids.contains(e.id())).toList();
    }

    /** Publishes the version with its metrics, parent, job and the gate's verdict; promotes it if the gate said so. */
    private String publish(
            AdapterName name,
            TrainingJob job,
            Adapter adapter,
            String parentVersion,
            Map<String, Double> metrics,
            EvaluationGate.Decision decision)
            throws IOException {
        boolean promote = decision.promote();
        // The owner's storage quota counts what training publishes too (its size in memory is its size on disk).
        try (PublishGuard.Admission admitted = guard.admit(name, adapter.bytes())) {
            return publishAdmitted(name, job, adapter, parentVersion, metrics, decision, promote);
        }
    }

    private String publishAdmitted(
            AdapterName name,
            TrainingJob job,
            Adapter adapter,
            String parentVersion,
            Map<String, Double> metrics,
            EvaluationGate.Decision decision,
            boolean promote)
            throws IOException {
        Path staging = registry.newStaging();
        PeftAdapterWriter.write(staging, adapter, backend.base());
        Map<String, String> labels =
                Map.of(JOB_LABEL, job.id(), "gate", promote ? "passed" : "failed", "gate_reason", decision.reason());
        // Content-addressed: the id the registry will give these bytes.
        String version = PeftAdapterReader.sha256(
                staging.resolve(PeftAdapterReader.CONFIG_FILE), staging.resolve(PeftAdapterReader.WEIGHTS_FILE));
        try {
            return registry.publish(
                            staging,
                            new PublishRequest(
                                    name, "trainer", parentVersion, labels, metrics, promote ? settings.alias() : null))
                    .version();
        } catch (RegistryException e) {
            if (e.reason() != RegistryException.Reason.ALREADY_EXISTS) {
                throw e;
            }
            // The same bytes are already published: this job run again after a crash, or another job that trained the
            // same parent on the same examples. The existing version is this job's result.
            if (promote) {
                registry.promote(name, settings.alias(), version);
            }
            return version;
        }
    }

    private String now() {
        return clock.instant().toString();
    }
}
