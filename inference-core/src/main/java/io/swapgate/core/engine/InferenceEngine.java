package io.swapgate.core.engine;

import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.runtime.KvCache;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.StepOutput;
import io.swapgate.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one model. Callers submit from any thread; one engine thread owns the runtime and
 * the KV cache. Each step it admits waiting requests into free slots (prefill), advances every running
 * sequence by one token (decode), and releases finished or cancelled sequences at once.
 *
 * <p>Slots are shared fairly between tenants by weight ({@link TenantPolicy}): a free slot goes to the waiting tenant
 * holding the fewest slots per unit of weight, and when none is free, a tenant holding more than its share gives one
 * up (the preempted sequence recomputes its cache when readmitted), so a tenant with one request never waits behind
 * another tenant's hundred.
 */
public final class InferenceEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceEngine.class);
    /** Prompts longer than this many UTF-8 bytes per context position are refused before tokenizing. */
    private static final int MAX_PROMPT_BYTES_PER_POSITION = 32;

    private final LlamaRuntime runtime;
    private final Tokenizer tokenizer;
    private final EngineConfig config;
    private final KvCache cache;
    private final LoraResidency lora;
    private final FairQueue queue;
    private final SlotShares shares;
    private final BackgroundLane background;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final Thread thread;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private long preemptions;
    private volatile EngineStats stats;
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile StepObserver stepObserver = (rows, prefill, nanos) -> { };
    /** Notified whenever stats are published while draining, so {@link #drain} wakes when the engine runs dry. */
    private final Object drained = new Object();

    /** An engine whose tenants all weigh the same. */
    public InferenceEngine(LlamaRuntime runtime, Tokenizer tokenizer, EngineConfig config) {
        this(runtime, tokenizer, config, TenantPolicy.EQUAL);
    }

    public InferenceEngine(LlamaRuntime runtime, Tokenizer tokenizer, EngineConfig config, TenantPolicy tenants) {
        if (config.maxContext() > runtime.config().contextLength()) {
            throw new IllegalArgumentException("max context " + config.maxContext() + " exceeds the model's "
                    + runtime.config().contextLength());
        }
        this.runtime = runtime;
        this.tokenizer = tokenizer;
        this.config = config;
        this.cache = runtime.newKvCache(config.maxBatchSize(), config.maxContext());
        // One LoRA slot per batch row: a free batch slot always finds an unpinned LoRA slot.
        this.lora = new LoraResidency(runtime.newLoraSlotTable(config.maxBatchSize(), config.maxLoraRank()));
        this.queue = new FairQueue(config.queueCapacity(), tenants);
        this.shares = new SlotShares(tenants);
        this.background = new BackgroundLane(config.backgroundShare());
        for (int slot = 0; slot < config.maxBatchSize(); slot++) {
            freeSlots.add(slot);
        }
        publishStats();
        this.thread = new Thread(this::loop, "swapgate-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code work} on the engine thread, which owns the runtime, between serving steps: at once when nothing is
     * being served, otherwise within the config's background share of the thread's time. For training and evaluation.
     */
    public <T> CompletableFuture<T> runInBackground(Callable<T> work) {
        if (closed || draining) {
            throw new EngineClosedException();
        }
        CompletableFuture<T> result = background.submit(work);
        queue.wake();
        return result;
    }

    public EngineConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public long kvCacheBytes() {
        return cache.bytes();
    }

    /** Whether the engine thread is running and admitting requests. */
    public boolean alive() {
        return !closed && !draining && thread.isAlive();
    }

    /** Reports every forward step to {@code observer} (for metrics), replacing any earlier one. */
    public void observeSteps(StepObserver observer) {
        this.stepObserver = observer;
    }

    /** Whether a LoRA version sits in the device slot table now (running or kept warm). Any thread. */
    public boolean loraResident(io.swapgate.core.adapter.AdapterIdentity identity) {
        return lora.isResident(identity);
    }

    /**
     * The engine thread's latest snapshot, with the queue's length as it is now (the queue is thread-safe; the rest is
     * the engine thread's alone, so callers never read it).
     */
    public EngineStats stats() {
        EngineStats published = stats;
        return new EngineStats(published.running(), queue.size(), published.freeSlots(), published.cachedTokens(),
                published.steps(), published.generatedTokens(), published.loraUploads(), published.preemptions());
    }

    /**
     * Validates and tokenizes the request on the caller's thread and queues it.
     *
     * @throws InvalidRequestException when the request cannot be served as given
     * @throws QueueFullException when the admission queue, or the tenant's part of it, is full
     * @throws EngineClosedException when the engine is shutting down
     */
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        if (closed || draining) {
            throw new EngineClosedException();
        }
        int[] prompt = tokenize(request);
        GenerationHandle handle = new GenerationHandle(request.requestId());
        Sequence sequence = new Sequence(request, handle, listener, prompt, tokenizer);
        queue.offer(sequence); // wakes the engine thread; only it reads and publishes the engine's own state
        return handle;
    }

    /**
     * Checks max_new_tokens alone, as {@link #submit} does first; front ends call it before spending a tenant's quota.
     *
     * @throws InvalidRequestException when it is not positive or does not fit the context
     */
    public void checkMaxNewTokens(int maxNew) {
        if (maxNew <= 0) {
            throw new InvalidRequestException("max_new_tokens must be positive, got " + maxNew);
        }
        if (maxNew >= config.maxContext()) {
            throw new InvalidRequestException("max_new_tokens " + maxNew + " exceeds the model's context of "
                    + config.maxContext() + " positions");
        }
    }

    private int[] tokenize(GenerationRequest request) {
        if (request.prompt() == null || request.prompt().isEmpty()) {
            throw new InvalidRequestException("prompt must not be empty");
        }
        int maxNew = request.maxNewTokens();
        checkMaxNewTokens(maxNew);
        String samplingProblem = request.sampling().problem();
        if (samplingProblem != null) {
            throw new InvalidRequestException(samplingProblem);
        }
        long promptBytes = request.prompt().getBytes(StandardCharsets.UTF_8).length;
        if (promptBytes > (long) config.maxContext() * MAX_PROMPT_BYTES_PER_POSITION) {
            throw new InvalidRequestException("prompt of " + promptBytes + " bytes is far longer than the model's context of "
                    + config.maxContext() + " positions");
        }
        int[] prompt;
        try {
            prompt = tokenizer.encodePrompt(request.prompt());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("prompt cannot be tokenized: " + e.getMessage());
        }
        int virtual = request.adapters().virtualPositions();
        if (virtual + prompt.length + maxNew > config.maxContext()) {
            throw new InvalidRequestException("prompt of " + prompt.length + " tokens"
                    + (virtual > 0 ? " after " + virtual + " adapter virtual tokens" : "") + " plus max_new_tokens " + maxNew
                    + " exceeds the model's context of " + config.maxContext() + " positions");
        }
        checkAdapters(request);
        return prompt;
    }

    private void checkAdapters(GenerationRequest request) {
        var lora = request.adapters().lora();
        if (lora != null && lora.rank() > config.maxLoraRank()) {
            throw new InvalidRequestException("LoRA " + lora.identity().name() + " has rank " + lora.rank()
                    + ", more than this engine's maximum of " + config.maxLoraRank());
        }
    }

    private void loop() {
        try {
            while (!closed) {
                if (running.isEmpty() && !background.pending() && !queue.await(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long started = System.nanoTime();
                dropAbandoned();
                admit();
                step(Sequence::isPrefill);
                step(s -> !s.isPrefill());
                publishStats();
                background.served(System.nanoTime() - started);
                background.runDue(!running.isEmpty());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("engine loop failed; failing all requests", e);
            running.forEach(s -> notifyError(s, e));
            running.clear();
        } finally {
            drainOnClose();
        }
    }

    /**
     * Fills free slots from the queue, least served tenant first, within the step's prefill budget; when no slot is
     * free, preempts for a tenant that holds less than its share.
     */
    private void admit() {
        int budget = config.prefillTokenBudget();
        while (true) {
            Sequence next = queue.peek(shares::load);
            if (next == null || (next.pending.length > budget && budget < config.prefillTokenBudget())) {
                return;
            }
            if (freeSlots.isEmpty() && !preemptFor(next.tenant())) {
                return;
            }
            queue.remove(next);
            if (start(next)) {
                budget -= next.pending.length;
            }
        }
    }

    private boolean preemptFor(String claimant) {
        Sequence victim = shares.victimFor(claimant, running);
        if (victim == null) {
            return false;
        }
        running.remove(victim);
        release(victim);
        victim.preempt();
        queue.requeue(victim);
        preemptions++;
        return true;
    }

    /** Gives the sequence a slot unless it was cancelled or expired while queued. */
    private boolean start(Sequence sequence) {
        if (sequence.handle.cancelled() || sequence.expired(System.nanoTime())) {
            finish(sequence, sequence.handle.cancelled() ? FinishReason.CANCELLED : FinishReason.DEADLINE);
            return false;
        }
        sequence.slot = freeSlots.poll();
        shares.started(sequence);
        if (sequence.adapters.lora() != null) {
            sequence.loraSlot = lora.acquire(sequence.adapters.lora());
            if (sequence.loraSlot < 0) {
                throw new IllegalStateException("no unpinned LoRA slot although a batch slot was free");
            }
        }
        if (sequence.adapters.prefix() != null) {
            runtime.writePrefix(cache, sequence.slot, sequence.adapters.prefix());
        }
        running.add(sequence);
        publishStats();
        return true;
    }

    private void dropAbandoned() {
        long now = System.nanoTime();
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.handle.cancelled() || s.expired(now)) {
                it.remove();
                release(s);
                finish(s, s.handle.cancelled() ? FinishReason.CANCELLED : FinishReason.DEADLINE);
            }
        }
    }

    /** Runs one forward pass over the running sequences that match, then samples and reports for each. */
    private void step(Predicate<Sequence> which) {
        List<Sequence> batch = running.stream().filter(which).toList();
        if (batch.isEmpty()) {
            return;
        }
        List<ForwardBatch.Row> rows = new ArrayList<>(batch.size());
        for (Sequence s : batch) {
            rows.add(s.row());
        }
        long started = System.nanoTime();
        boolean prefill = batch.get(0).isPrefill();
        StepOutput output;
        try {
            output = runtime.forward(new ForwardBatch(rows), cache, lora.table());
        } catch (RuntimeException e) {
            LOG.error("forward step failed for {} sequences", batch.size(), e);
            for (Sequence s : batch) {
                running.remove(s);
                release(s);
                notifyError(s, e);
            }
            return;
        }
        steps.incrementAndGet();
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            FinishReason reason;
            try {
                reason = s.advance(output.logits()[i], output.hidden()[i]);
            } catch (RuntimeException e) {
                LOG.warn("request {} failed while reporting output", s.request.requestId(), e);
                running.remove(s);
                release(s);
                notifyError(s, e);
                continue;
            }
            generatedTokens.incrementAndGet();
            if (reason != null) {
                running.remove(s);
                release(s);
                finish(s, reason);
            }
        }
        stepObserver.onStep(batch.size(), prefill, System.nanoTime() - started);
    }

    /** Frees the sequence's slot (and so its KV cache); stats reflect it before the caller hears of the finish. */
    private void release(Sequence sequence) {
        if (sequence.slot >= 0) {
            freeSlots.add(sequence.slot);
            sequence.slot = -1;
            shares.released(sequence);
        }
        if (sequence.loraSlot > 0) {
            lora.release(sequence.loraSlot);
            sequence.loraSlot = 0;
        }
        if (running.isEmpty()) {
            lora.table().dropGathered(); // nothing runs: the batch's gathered LoRA factors are not needed again
        }
        publishStats();
    }

    private void finish(Sequence sequence, FinishReason reason) {
        try {
            sequence.finish(reason);
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed on finish", sequence.request.requestId(), e);
        }
    }

    private void notifyError(Sequence sequence, Throwable error) {
        try {
            sequence.listener.onError(error);
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed on error", sequence.request.requestId(), e);
        }
    }

    private void publishStats() {
        long cached = 0;
        for (Sequence s : List.copyOf(running)) {
            cached += s.cached;
        }
        stats = new EngineStats(running.size(), queue.size(), freeSlots.size(), cached, steps.get(), generatedTokens.get(),
                lora.uploads(), preemptions);
        if (draining) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    private void drainOnClose() {
        background.cancelAll(new EngineClosedException());
        for (Sequence s : running) {
            release(s);
            finish(s, FinishReason.CANCELLED);
        }
        running.clear();
        queue.clear().forEach(queued -> finish(queued, FinishReason.CANCELLED));
        publishStats();
    }

    /**
     * Graceful shutdown: stops admitting at once ({@link EngineClosedException}, and {@link #alive} turns false), lets
     * what is queued or running finish for up to {@code grace}, then closes, cancelling what is left.
     *
     * @return whether everything finished within the grace period
     */
    public boolean drain(java.time.Duration grace) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (drained) {
            while (!idle() && System.nanoTime() - deadline < 0) {
                drained.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
        }
        boolean finished = idle();
        close();
        return finished;
    }

    private boolean idle() {
        EngineStats now = stats;
        return now.running() == 0 && now.queued() == 0;
    }

    /** Stops admitting, cancels what is queued or running, and waits for the engine thread to end. */
    @Override
    public void close() {
        if (closed) {
            return; // drain() already closed it
        }
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cache.close();
        lora.table().close();
    }
}
