package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.training.TrainingConfig;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.HostAdapterCache;
import io.swapgate.registry.RegistryAdapters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job queue around the runner: queuing, the per-tenant limit, cancelling, persistence, taking jobs over after a
 * stop, and the retraining policy on an injected clock. No examples are stored, so every job that runs fails at once
 * with "too few examples" before it would train: the training itself is the runner's and the trainer's business.
 */
class TrainingJobsTest {

    private static final LoadedModel MODEL =
            ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
    private static final BaseModelIdentity BASE = BaseModelIdentity.of(MODEL.name(), MODEL.config(), MODEL.weights());
    private static final Instant T0 = Instant.parse("2026-11-27T09:00:00Z");
    private static final AdapterName ACME = AdapterName.parse("acme/support");
    private static final AdapterName ACME_OTHER = AdapterName.parse("acme/sales");
    private static final AdapterName GLOBEX = AdapterName.parse("globex/support");
    private static final int MAX_ATTEMPTS = 2;
    private static final int MAX_JOBS_PER_TENANT = 2;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(T0);
    /** Holds the worker at the start of its next job while closed: the engine busy with a long one. */
    private volatile CountDownLatch busy = new CountDownLatch(0);

    private final AtomicInteger jobsTaken = new AtomicInteger();
    private final Semaphore taken = new Semaphore(0);
    private final BlockingQueue<TrainingJob> changes = new LinkedBlockingQueue<>();
    /** Changes taken from {@link #changes} while looking for another job's: test thread only. */
    private final List<TrainingJob> unread = new ArrayList<>();

    private FileSystemAdapterRegistry registry;
    private RegistryAdapters adapters;
    private JobStore store;
    private TrainingJobs jobs;

    /** A clock the test moves; it also counts the retraining policy's ticks, which read it once each. */
    static final class TestClock extends Clock {
        private volatile Instant now;
        private final Semaphore policyReads = new Semaphore(0);

        TestClock(Instant start) {
            this.now = start;
        }

        synchronized void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            if (Thread.currentThread().getName().equals("swapgate-retraining-policy")) {
                policyReads.release();
            }
            return now;
        }

        /**
         * Waits for the policy to start a tick after this call, and then another: the first of the two saw whatever the
         * test did before, and has finished once the second starts. Only while no tick queues a job, which reads the
         * clock again.
         */
        void awaitPolicyTicks() throws InterruptedException {
            policyReads.drainPermits();
            assertTrue(policyReads.tryAcquire(2, 10, TimeUnit.SECONDS), "the retraining policy stopped ticking");
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("a test clock stays in UTC");
        }
    }

    @BeforeEach
    void setUp() {
        PeftAdapterReader reader = new PeftAdapterReader(BASE, AdapterLimits.defaults(512));
        registry = new FileSystemAdapterRegistry(dir.resolve("registry"), reader, clock);
        adapters = new RegistryAdapters(registry, reader, new HostAdapterCache(1L << 20), Duration.ofSeconds(5));
        store = new JobStore(registry.root());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        busy.countDown();
        if (jobs != null) {
            jobs.close();
        }
        // close() does not wait for its threads, which write to the registry until they end: the temp folder goes next.
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("swapgate-training") || thread.getName().equals("swapgate-retraining-policy")) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                assertFalse(thread.isAlive(), thread + " outlived close()");
            }
        }
    }

    private TrainingJobs newJobs() {
        TrainingSettings settings = new TrainingSettings(
                "stable",
                new EvaluationGate(0.02, 0.1),
                new HeldOutSplit(0.1),
                new RetrainingPolicy(3, Duration.ofMinutes(10), Duration.ofMinutes(1)),
                Map.of(),
                kind -> {
                    // The first thing the worker asks of a job it takes: the place to hold it.
                    jobsTaken.incrementAndGet();
                    taken.release();
                    try {
                        assertTrue(busy.await(30, TimeUnit.SECONDS), "the test never let the worker go on");
                    } catch (InterruptedException stopped) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("stopped while held", stopped);
                    }
                    return TrainingConfig.defaults(kind);
                },
                AdapterKind.LORA,
                MAX_ATTEMPTS,
                0,
                MAX_JOBS_PER_TENANT);
        // Never reached: with no examples stored, a job fails before it trains, evaluates or publishes.
        TrainingBackend backend = new TrainingBackend(null, null, null, BASE);
        TrainingJobs created = new TrainingJobs(
                registry,
                adapters,
                new ExampleStore(registry.root()),
                stored -> null,
                backend,
                settings,
                clock,
                (name, bytes) -> () -> {},
                Duration.ofMillis(50),
                Duration.ofMillis(250));
        created.subscribe(changes::add);
        return created;
    }

    private TrainingJobs started() throws Exception {
        jobs = newJobs();
        jobs.start();
        return jobs;
    }

    private TrainingJob submit(AdapterName adapter) {
        return jobs.submit(adapter, null, null, null, 0, "manual");
    }

    /** The next change of job {@code id}; other jobs' changes stay for their own turn. */
    private TrainingJob nextChange(String id) throws InterruptedException {
        for (Iterator<TrainingJob> it = unread.iterator(); it.hasNext(); ) {
            TrainingJob change = it.next();
            if (change.id().equals(id)) {
                it.remove();
                return change;
            }
        }
        while (true) {
            TrainingJob change = changes.poll(15, TimeUnit.SECONDS);
            assertNotNull(change, "no further change of job " + id);
            if (change.id().equals(id)) {
                return change;
            }
            unread.add(change);
        }
    }

    /** The state the job ends in, once it does. */
    private JobState endOf(String id) throws InterruptedException {
        TrainingJob change = nextChange(id);
        while (!change.state().finished()) {
            change = nextChange(id);
        }
        return change.state();
    }

    /** The next job the retraining policy queues. */
    private TrainingJob nextQueuedByPolicy() throws InterruptedException {
        while (true) {
            TrainingJob change = changes.poll(15, TimeUnit.SECONDS);
            assertNotNull(change, "the retraining policy queued no job");
            if (change.state() == JobState.QUEUED && change.trigger().equals("examples")) {
                return change;
            }
        }
    }

    /** Waits until the worker has taken a job (and holds it while {@link #busy} is closed). */
    private void awaitWorkerTakesAJob() throws InterruptedException {
        assertTrue(taken.tryAcquire(10, TimeUnit.SECONDS), "the worker took no job");
    }

    private Path file(String id, String suffix) {
        return registry.root().resolve("jobs").resolve(id + suffix);
    }

    @Test
    void aSubmittedJobIsStoredQueuedThenRunAndItsEndReported() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob job = submit(ACME);
        assertEquals(JobState.QUEUED, job.state());
        assertEquals(
                List.of("acme/support", "manual", T0.toString(), 0),
                List.of(job.adapter(), job.trigger(), job.createdAt(), job.attempt()));
        assertEquals(job, nextChange(job.id()), "reported as queued");
        assertEquals(Optional.of(job), store.get(job.id()), "stored before it is reported");
        assertTrue(Files.exists(file(job.id(), ".lock")), "claimed by this replica");

        clock.advance(Duration.ofMinutes(3));
        busy.countDown();
        TrainingJob end = nextChange(job.id());
        assertEquals(JobState.FAILED, end.state());
        assertTrue(
                end.reason().startsWith("IllegalStateException: too few examples: 0 to train on and 0 held out"),
                end.reason());
        assertEquals(
                T0.plus(Duration.ofMinutes(3)).toString(), end.updatedAt(), "the injected clock dates every change");
        assertEquals(T0.toString(), end.createdAt());
        assertEquals(Optional.of(end), store.get(job.id()));
        assertEquals(Optional.of(end), jobs.get(job.id()));
    }

    @Test
    void aTenantCannotQueueMoreJobsThanItsLimitButOthersCan() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob first = submit(ACME);
        submit(ACME_OTHER);
        TooManyJobsException refused = assertThrows(TooManyJobsException.class, () -> submit(ACME));
        assertEquals(
                "tenant 'acme' has 2 training jobs queued or running, its limit; wait for one to end",
                refused.getMessage());
        assertEquals(JobState.QUEUED, submit(GLOBEX).state(), "another tenant's limit is its own");

        busy.countDown();
        assertEquals(JobState.QUEUED, nextChange(first.id()).state());
        assertEquals(JobState.FAILED, nextChange(first.id()).state());
        assertEquals(JobState.QUEUED, submit(ACME).state(), "an ended job frees its place");
    }

    @Test
    void aQueuedJobIsCancelledAtOnceAndNeverRuns() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob running = submit(ACME);
        awaitWorkerTakesAJob();
        TrainingJob queued = submit(ACME);
        clock.advance(Duration.ofSeconds(30));

        TrainingJob cancelled = jobs.cancel(queued.id()).orElseThrow();
        assertEquals(JobState.CANCELLED, cancelled.state());
        assertEquals("cancelled before it started", cancelled.reason());
        assertEquals(T0.plusSeconds(30).toString(), cancelled.updatedAt());
        assertEquals(Optional.of(cancelled), store.get(queued.id()));

        TrainingJob after = submit(ACME); // the cancelled job no longer counts towards the limit
        busy.countDown();
        assertEquals(JobState.FAILED, endOf(running.id()));
        assertEquals(JobState.FAILED, endOf(after.id()), "the worker went past the cancelled job to the next");
        assertEquals(2, jobsTaken.get(), "the cancelled job was never run");
        assertEquals(Optional.of(cancelled), store.get(queued.id()));
        assertFalse(Files.exists(file(queued.id(), ".lock")), "its claim is let go once the worker passed it");
    }

    @Test
    void aJobCancelledWhileTheWorkerPreparesItStaysCancelled() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob job = submit(ACME);
        awaitWorkerTakesAJob(); // the worker holds it, not yet started
        assertEquals(JobState.CANCELLED, jobs.cancel(job.id()).orElseThrow().state());
        TrainingJob next = submit(ACME);
        busy.countDown();
        assertEquals(JobState.FAILED, endOf(next.id()), "the one worker went on to the next job");
        assertEquals(JobState.CANCELLED, jobs.get(job.id()).orElseThrow().state());
        assertEquals(JobState.CANCELLED, store.get(job.id()).orElseThrow().state(), "the worker's own end did not win");
    }

    @Test
    void cancellingAFinishedOrUnknownJobChangesNothing() throws Exception {
        started();
        TrainingJob job = submit(ACME);
        assertEquals(JobState.FAILED, endOf(job.id()));
        TrainingJob failed = jobs.get(job.id()).orElseThrow();
        assertEquals(Optional.of(failed), jobs.cancel(job.id()));
        assertEquals(Optional.empty(), jobs.cancel("no-such-job"));
        assertEquals(Optional.empty(), jobs.cancel("../../adapters/acme"), "an id that is a path is no job");
        assertFalse(Files.exists(registry.root().resolve("adapters/acme.cancel")));
        assertFalse(Files.exists(file(job.id(), ".cancel")));
    }

    @Test
    void jobsAreListedOldestFirst() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob first = submit(ACME);
        clock.advance(Duration.ofSeconds(1));
        TrainingJob second = submit(GLOBEX);
        clock.advance(Duration.ofSeconds(1));
        TrainingJob third = submit(ACME_OTHER);
        assertEquals(
                List.of(first.id(), second.id(), third.id()),
                jobs.list().stream().map(TrainingJob::id).toList());
    }

    @Test
    void atStartUnfinishedJobsRunAgainUntilTheirAttemptsRunOut() throws Exception {
        TrainingJob interruptedOnce = TrainingJob.queued(
                        "job-once", ACME.toString(), null, null, null, "manual", 0, T0.toString())
                .started("lora", 100, 40, null, List.of(), T0.toString());
        TrainingJob interruptedTwice = TrainingJob.queued(
                        "job-twice", GLOBEX.toString(), null, null, null, "manual", 0, T0.toString())
                .started("lora", 100, 40, null, List.of(), T0.toString())
                .started("lora", 100, 40, null, List.of(), T0.toString());
        TrainingJob cancelledWhileStopped =
                TrainingJob.queued("job-cancel", ACME_OTHER.toString(), null, null, null, "manual", 0, T0.toString());
        TrainingJob done = TrainingJob.queued("job-done", ACME.toString(), null, null, null, "manual", 0, T0.toString())
                .ended(JobState.PROMOTED, "abc", "better", Map.of(), T0.toString());
        for (TrainingJob stored : List.of(interruptedOnce, interruptedTwice, cancelledWhileStopped, done)) {
            store.save(stored);
        }
        store.requestCancel("job-cancel");
        clock.advance(Duration.ofHours(1));

        started();
        TrainingJob requeued = nextChange("job-once");
        assertEquals(JobState.QUEUED, requeued.state());
        assertEquals(1, requeued.attempt());
        assertTrue(requeued.reason().startsWith("resumed after a gateway stop"), requeued.reason());
        assertEquals(JobState.FAILED, endOf("job-once"), "it ran (and, without examples, failed)");

        TrainingJob exhausted = jobs.get("job-twice").orElseThrow();
        assertEquals(JobState.FAILED, exhausted.state());
        assertEquals("interrupted by a gateway stop on each of its 2 attempts", exhausted.reason());
        TrainingJob cancelled = jobs.get("job-cancel").orElseThrow();
        assertEquals(JobState.CANCELLED, cancelled.state());
        assertEquals("cancelled while its replica was stopped", cancelled.reason());
        assertFalse(Files.exists(file("job-cancel", ".cancel")), "the request is gone with the job");
        assertEquals(Optional.of(done), jobs.get("job-done"), "a finished job is only listed");
        assertEquals(T0.plus(Duration.ofHours(1)).toString(), exhausted.updatedAt());
        for (String id : List.of("job-twice", "job-cancel")) {
            assertFalse(Files.exists(file(id, ".lock")), id + " is still claimed");
        }
        assertEquals(4, jobs.list().size());
    }

    @Test
    void aJobAnotherReplicaHoldsIsLeftToItAndTakenOverWhenItsHolderDies() throws Exception {
        TrainingJob elsewhere = TrainingJob.queued(
                        "job-held", ACME.toString(), null, null, null, "manual", 0, T0.toString())
                .started("lora", 100, 40, null, List.of(), T0.toString());
        store.save(elsewhere);
        JobClaim otherReplica = store.claim("job-held").orElseThrow();

        started();
        assertEquals(Optional.of(elsewhere), jobs.get("job-held"), "read from the registry, where its holder keeps it");
        assertEquals(Optional.of(elsewhere), jobs.cancel("job-held"), "cancelled by its holder, at its next step");
        assertTrue(Files.exists(file("job-held", ".cancel")), "the request waits for the holder");
        assertEquals(0, jobsTaken.get());

        otherReplica.close(); // the holder died: the OS let go of its lock
        TrainingJob taken = nextChange("job-held");
        assertEquals(JobState.CANCELLED, taken.state(), "taken over, and the cancel request honoured");
        assertEquals("cancelled while its replica was stopped", taken.reason());
        assertEquals(0, jobsTaken.get(), "never run here");
    }

    @Test
    void closingLetsGoOfUnfinishedJobsForTheNextStartToRunAgain() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob held = submit(ACME);
        awaitWorkerTakesAJob();
        TrainingJob queued = submit(GLOBEX);
        jobs.close(); // a gateway stop: the held job is interrupted, the queued one never ran
        jobs = null;
        assertEquals(JobState.QUEUED, store.get(held.id()).orElseThrow().state(), "stopped before it started");
        assertEquals(JobState.QUEUED, store.get(queued.id()).orElseThrow().state());

        changes.clear();
        unread.clear();
        jobs = newJobs();
        busy = new CountDownLatch(0);
        jobs.start();
        assertEquals(JobState.FAILED, endOf(queued.id()), "run by the next start");
        assertEquals(JobState.FAILED, endOf(held.id()), "run by the next start (at once, or once its lock is free)");
    }

    @Test
    void enoughNewExamplesQueueAJobAndFewerDoNot() throws Exception {
        started();
        jobs.examplesStored(ACME, 2);
        clock.awaitPolicyTicks();
        assertEquals(List.of(), jobs.list(), "2 of the 3 examples the policy waits for");

        jobs.examplesStored(ACME, 1);
        TrainingJob queued = nextQueuedByPolicy();
        assertEquals("acme/support", queued.adapter());
        assertEquals(
                List.of(queued.id()), jobs.list().stream().map(TrainingJob::id).toList());
    }

    @Test
    void aFewExamplesQueueAJobOnceTheFirstHasWaitedMaxWait() throws Exception {
        started();
        jobs.examplesStored(ACME, 1);
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        clock.awaitPolicyTicks();
        assertEquals(List.of(), jobs.list(), "one second short of ten minutes");

        clock.advance(Duration.ofSeconds(1));
        TrainingJob queued = nextQueuedByPolicy();
        assertEquals("acme/support", queued.adapter());
        assertEquals(T0.plus(Duration.ofMinutes(10)).toString(), queued.createdAt());
    }

    @Test
    void noJobIsQueuedWithinTheCooldownAfterTheAdaptersLastJobEnded() throws Exception {
        started();
        TrainingJob manual = submit(ACME);
        assertEquals(JobState.FAILED, endOf(manual.id())); // ended at T0
        jobs.examplesStored(ACME, 3);
        jobs.examplesStored(GLOBEX, 3);
        assertEquals("globex/support", nextQueuedByPolicy().adapter(), "another adapter has no cooldown to wait out");

        clock.advance(Duration.ofSeconds(59));
        clock.awaitPolicyTicks();
        assertEquals(
                List.of(manual.id()),
                jobs.list().stream()
                        .filter(j -> j.adapter().equals("acme/support"))
                        .map(TrainingJob::id)
                        .toList(),
                "acme/support's last job ended 59 s ago");

        clock.advance(Duration.ofSeconds(1));
        assertEquals("acme/support", nextQueuedByPolicy().adapter());
    }

    @Test
    void noJobIsQueuedForAnAdapterThatHasOneOpen() throws Exception {
        started();
        busy = new CountDownLatch(1);
        TrainingJob open = submit(ACME);
        jobs.examplesStored(ACME, 50);
        clock.awaitPolicyTicks();
        assertEquals(
                List.of(open.id()), jobs.list().stream().map(TrainingJob::id).toList());
    }
}
