package io.swapgate.retraining;

import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.training.TempNetObjective;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.RegistryAdapters;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retraining loop's jobs: queued by the retraining policy as examples arrive (or by hand), run one at a time on a
 * worker thread (their tensor work goes to the engine's background lane), persisted at every change of state, and
 * reported to subscribers. After a restart, a job that was running or queued runs again, up to the configured number
 * of attempts: from its latest checkpoint when its examples are unchanged, else from its first step.
 *
 * <p>Replicas share the registry, jobs included. A replica holds a {@link JobClaim} on each job it queues or runs, and
 * runs only those: at start it takes over the unfinished jobs no live replica holds, leaves the others to their
 * holders, and every few seconds takes over those whose holder has died since.
 */
public final class TrainingJobs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingJobs.class);
    /** Progress reports are passed on at most this often; changes of state always are. */
    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000L;
    /** How often a replica looks for jobs whose holder died. */
    private static final Duration POLICY_INTERVAL = Duration.ofSeconds(1);

    private static final Duration TAKEOVER_INTERVAL = Duration.ofSeconds(5);

    private final JobStore store;
    private final JobRunner runner;
    private final TrainingSettings settings;
    private final Clock clock;
    private final Map<String, TrainingJob> jobs = new ConcurrentHashMap<>();
    private final Set<String> cancelRequested = ConcurrentHashMap.newKeySet();
    private final Map<String, JobClaim> claims = new ConcurrentHashMap<>();
    private final Map<AdapterName, Pending> pending = new ConcurrentHashMap<>();
    private final Map<AdapterName, Instant> lastEnded = new ConcurrentHashMap<>();
    private final List<Consumer<TrainingJob>> subscribers = new CopyOnWriteArrayList<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "swapgate-training"));
    /** The order the worker takes queued jobs in: by tenant in turn, not as they came. */
    private final FairJobQueue queue = new FairJobQueue();

    private final ScheduledExecutorService policyClock =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "swapgate-retraining-policy"));
    private final Duration policyInterval;
    private final Duration takeoverInterval;
    private volatile long lastProgressNanos;
    private volatile boolean closing;
    private volatile String runningJob;

    /** Examples stored since an adapter's last job was queued. */
    private record Pending(int count, Instant since) {}

    /** @param guard asked before each job publishes (the owner's storage quota) */
    public TrainingJobs(
            FileSystemAdapterRegistry registry,
            RegistryAdapters adapters,
            ExampleStore examples,
            ExampleDecoder decoder,
            TrainingBackend backend,
            TrainingSettings settings,
            Clock clock,
            PublishGuard guard) {
        this(
                registry,
                adapters,
                examples,
                decoder,
                backend,
                settings,
                clock,
                guard,
                POLICY_INTERVAL,
                TAKEOVER_INTERVAL);
    }

    /** With the policy's and the takeover's intervals given (tests run them faster than once a second). */
    TrainingJobs(
            FileSystemAdapterRegistry registry,
            RegistryAdapters adapters,
            ExampleStore examples,
            ExampleDecoder decoder,
            TrainingBackend backend,
            TrainingSettings settings,
            Clock clock,
            PublishGuard guard,
            Duration policyInterval,
            Duration takeoverInterval) {
        this.policyInterval = policyInterval;
        this.takeoverInterval = takeoverInterval;
        this.store = new JobStore(registry.root());
        this.runner = new JobRunner(registry, adapters, examples, decoder, store, backend, settings, clock, guard);
        this.settings = settings;
        this.clock = clock;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Loads the stored jobs, takes over the unfinished ones no live replica holds, and starts applying the retraining
     * policy and looking for jobs to take over.
     */
    public void start() throws IOException {
        List<String> unfinished = new ArrayList<>();
        for (TrainingJob job : store.all()) {
            jobs.put(job.id(), job);
            if (!job.state().finished()) {
                unfinished.add(job.id());
            }
        }
        takeOver(unfinished);
        // Both run until close() shuts the executor down; each catches its own failures.
        long policy = policyInterval.toMillis();
        long takeover = takeoverInterval.toMillis();
        var unusedPolicy = policyClock.scheduleWithFixedDelay(this::applyPolicy, policy, policy, TimeUnit.MILLISECONDS);
        var unusedTakeover =
                policyClock.scheduleWithFixedDelay(this::takeOverOrphans, takeover, takeover, TimeUnit.MILLISECONDS);
    }

    private void takeOverOrphans() {
        try {
            takeOver(store.claimed());
        } catch (IOException | RuntimeException e) {
            LOG.error("looking for training jobs to take over failed", e);
        }
    }

    /**
     * Queues again each of these jobs that is unfinished and whose claim is free: its replica stopped or died. A job
     * that ran out of attempts fails instead. Jobs another replica holds are left to it.
     */
    private void takeOver(List<String> ids) throws IOException {
        for (String id : ids) {
            if (claims.containsKey(id) || closing) {
                continue;
            }
            Optional<JobClaim> claim = store.claim(id);
            if (claim.isEmpty()) {
                LOG.debug("training job {} is held by another replica", id);
                continue;
            }
            try {
                takeOver(id, claim.get());
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not take over training job {}: {}", id, e.getMessage());
                claim.get().close();
            }
        }
    }

    private void takeOver(String id, JobClaim claim) throws IOException {
        Optional<TrainingJob> stored = store.get(id); // read again: its holder may have ended it meanwhile
        stored.ifPresent(job -> jobs.put(job.id(), job));
        if (stored.isEmpty() || stored.get().state().finished()) {
            claim.releaseEnded();
            return;
        }
        TrainingJob job = stored.get();
        claims.put(id, claim);
        if (store.cancelRequested(id)) {
            record(job.ended(JobState.CANCELLED, null, "cancelled while its replica was stopped", Map.of(), now()));
            release(id);
        } else if (job.attempt() >= settings.maxAttempts()) {
            record(job.ended(
                    JobState.FAILED,
                    null,
                    "interrupted by a gateway stop on each of its " + job.attempt() + " attempts",
                    Map.of(),
                    now()));
            release(id);
        } else {
            LOG.info(
                    "training job {} for {} was {} when its replica stopped; it runs again here",
                    id,
                    job.adapter(),
                    job.state());
            record(job.requeued(
                    "resumed after a gateway stop: goes on from its latest checkpoint, or from its first step"
                            + " with the same seed when its examples changed",
                    now()));
            enqueue(AdapterName.parse(job.adapter()).tenant(), id);
        }
    }

    /**
     * Queues a job for the adapter; {@code kind} null keeps the current version's kind, {@code lora} null the
     * configured LoRA shape, {@code objective} null the configured TempNet objective, {@code steps} 0 the default.
     */
    public TrainingJob submit(
            AdapterName adapter,
            AdapterKind kind,
            LoraShape lora,
            TempNetObjective objective,
            int steps,
            String trigger) {
        long open = jobs.values().stream()
                .filter(j -> !j.state().finished()
                        && AdapterName.parse(j.adapter()).tenant().equals(adapter.tenant()))
                .count();
        if (open >= settings.maxJobsPerTenant()) {
            throw new TooManyJobsException("tenant '" + adapter.tenant() + "' has " + open
                    + " training jobs queued or running," + " its limit; wait for one to end");
        }
        pending.remove(adapter);
        TrainingJob job = TrainingJob.queued(
                UUID.randomUUID().toString(),
                adapter.toString(),
                kind == null ? null : kind.wireName(),
                lora,
                objective == null ? null : objective.wireName(),
                trigger,
                Math.max(0, steps),
                now());
        try {
            claims.put(
                    job.id(),
                    store.claim(job.id())
                            .orElseThrow(() -> new IllegalStateException("a new job's lock is held: " + job.id())));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not claim training job " + job.id(), e);
        }
        record(job);
        enqueue(adapter.tenant(), job.id());
        return job;
    }

    /**
     * Cancels a queued job at once and a running one at its next step; a finished job is returned unchanged. A job
     * another replica holds is cancelled by that replica, which sees the request at its next step.
     */
    public Optional<TrainingJob> cancel(String id) {
        Optional<TrainingJob> current = get(id);
        if (current.isEmpty() || current.get().state().finished()) {
            return current;
        }
        if (!claims.containsKey(id)) {
            try {
                store.requestCancel(id);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not ask for training job " + id + " to be cancelled", e);
            }
            return current;
        }
        cancelRequested.add(id);
        if (current.get().state() == JobState.QUEUED) {
            record(current.get().ended(JobState.CANCELLED, null, "cancelled before it started", Map.of(), now()));
        }
        return Optional.of(jobs.get(id));
    }

    /**
     * The job as its holder last stored it: from memory when this replica holds it (or it has ended), else read
     * again from the registry, where the replica that holds it keeps it current.
     */
    public Optional<TrainingJob> get(String id) {
        TrainingJob known = jobs.get(id);
        if (claims.containsKey(id) || (known != null && known.state().finished())) {
            return Optional.ofNullable(known);
        }
        try {
            Optional<TrainingJob> stored = store.get(id);
            stored.ifPresent(job -> jobs.put(job.id(), job));
            return stored.isPresent() ? stored : Optional.ofNullable(known);
        } catch (IOException e) {
            LOG.warn("could not read training job {}; answering from memory", id, e);
            return Optional.ofNullable(known);
        }
    }

    /** Every job, oldest first. */
    public List<TrainingJob> list() {
        List<TrainingJob> all = new ArrayList<>(jobs.values());
        all.sort(Comparator.comparing(TrainingJob::createdAt).thenComparing(TrainingJob::id));
        return all;
    }

    /** Calls {@code subscriber} with every change of any job until the returned handle is closed. */
    public AutoCloseable subscribe(Consumer<TrainingJob> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** New examples for the adapter are durably stored: they count towards its retraining policy. */
    public void examplesStored(AdapterName adapter, int count) {
        Instant now = clock.instant();
        pending.merge(
                adapter,
                new Pending(count, now),
                (old, added) -> new Pending(old.count() + added.count(), old.since()));
    }

    private void applyPolicy() {
        try {
            Instant now = clock.instant();
            for (Map.Entry<AdapterName, Pending> entry : pending.entrySet()) {
                AdapterName adapter = entry.getKey();
                boolean busy = jobs.values().stream()
                        .anyMatch(j -> j.adapter().equals(adapter.toString())
                                && !j.state().finished());
                Pending waiting = entry.getValue();
                if (!busy
                        && settings.policy(adapter)
                                .due(waiting.count(), waiting.since(), lastEnded.get(adapter), now)) {
                    LOG.info("{} new examples for {}: queuing a retraining job", waiting.count(), adapter);
                    submit(adapter, null, null, null, 0, "examples");
                }
            }
        } catch (RuntimeException e) {
            LOG.error("applying the retraining policy failed", e);
        }
    }

    /** One worker task per queued job; the fair queue, not the order of tasks, says which job each one runs. */
    private void enqueue(String tenant, String id) {
        queue.add(tenant, id);
        worker.execute(() -> queue.next().ifPresent(this::execute));
    }

    private void execute(String id) {
        try {
            TrainingJob job = jobs.get(id);
            if (job == null || job.state() != JobState.QUEUED) {
                return; // cancelled while queued
            }
            TrainingJob end;
            runningJob = id;
            try {
                end = runner.run(job, this::progress, () -> cancelRequested.contains(id) || store.cancelRequested(id));
            } catch (Exception e) {
                if (closing) {
                    LOG.info(
                            "training job {} for {} stopped with the gateway; it runs again at the next start",
                            id,
                            job.adapter());
                    return; // stored as RUNNING: the next start (here or on another replica) queues it again
                }
                end = ended(id, e);
            }
            cancelRequested.remove(id);
            lastEnded.put(AdapterName.parse(job.adapter()), clock.instant());
            TrainingJob meanwhile = jobs.get(id);
            if (meanwhile != null && meanwhile.state() == JobState.CANCELLED) {
                end = meanwhile; // cancelled while the worker prepared it, before it started: the cancel stands
            } else {
                record(end);
            }
            LOG.info("training job {} for {} ended {}: {}", id, job.adapter(), end.state(), end.reason());
        } finally {
            runningJob = null;
            release(id);
        }
    }

    /** Lets go of a job this replica held: for good when it ended, else (a stop) for the next replica to take. */
    private void release(String id) {
        JobClaim claim = claims.remove(id);
        if (claim == null) {
            return;
        }
        try {
            TrainingJob job = jobs.get(id);
            if (job != null && job.state().finished()) {
                claim.releaseEnded();
            } else {
                claim.close();
            }
        } catch (IOException e) {
            LOG.warn("could not release training job {}", id, e);
        }
    }

    private TrainingJob ended(String id, Exception e) {
        if (e instanceof CancellationException) {
            return jobs.get(id).ended(JobState.CANCELLED, null, e.getMessage(), Map.of(), now());
        }
        LOG.error("training job {} failed", id, e);
        Throwable cause =
                e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        return jobs.get(id)
                .ended(
                        JobState.FAILED,
                        null,
                        cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                        Map.of(),
                        now());
    }

    /** A running job's report: kept in memory at once, stored and passed on when it changes state or now and then. */
    private void progress(TrainingJob job) {
        TrainingJob known = jobs.get(job.id());
        if (known != null && known.state() == JobState.CANCELLED) {
            return; // cancelled before it started: the run only goes on to notice the cancel
        }
        TrainingJob before = jobs.put(job.id(), job);
        long now = System.nanoTime();
        if (before == null || before.state() != job.state() || now - lastProgressNanos >= PROGRESS_INTERVAL_NANOS) {
            lastProgressNanos = now;
            record(job);
        }
    }

    private void record(TrainingJob job) {
        jobs.put(job.id(), job);
        try {
            store.save(job);
            if (job.state().finished()) {
                store.deleteLeftovers(job.id());
            }
        } catch (IOException e) {
            LOG.error("could not store training job {}", job.id(), e);
        }
        for (Consumer<TrainingJob> subscriber : subscribers) {
            try {
                subscriber.accept(job);
            } catch (RuntimeException e) {
                LOG.warn("a training-job subscriber failed", e);
            }
        }
    }

    private String now() {
        return clock.instant().toString();
    }

    @Override
    public void close() {
        closing = true;
        policyClock.shutdownNow();
        worker.shutdownNow();
        // Queued jobs that never ran; the running one lets go itself when it stops at its next step.
        claims.keySet().stream().filter(id -> !id.equals(runningJob)).forEach(this::release);
    }
}
