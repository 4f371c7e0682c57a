package io.swapgate.core.engine;

import io.swapgate.core.constrain.ConstrainedSampling;
import io.swapgate.core.constrain.TokenTrie;
import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.runtime.KvCache;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.StepOutput;
import io.swapgate.core.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one model. Callers submit from any thread; one engine thread owns the runtime, the KV
 * cache and the {@link Scheduler}. Each step the scheduler plans (who is dropped, admitted or preempted, which rows
 * prefill and decode) and the engine carries the plan out in one forward pass: it admits waiting requests into free
 * slots and feeds their prompts, in chunks when a prompt is longer than the step's prefill budget (prefill, paced by
 * measured step times so that running streams keep their pace: {@link PrefillPacing}), advances
 * every other running sequence by one token (decode), and releases finished or cancelled sequences at once.
 *
 * <p>Slots are shared fairly between tenants by weight ({@link TenantPolicy}; see {@link Scheduler}), and a preempted
 * sequence recomputes its cache when readmitted, so a tenant with one request never waits behind another tenant's
 * hundred.
 */
public final class InferenceEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceEngine.class);
    /** Prompts longer than this many UTF-8 bytes per context position are refused before tokenizing. */
    private static final int MAX_PROMPT_BYTES_PER_POSITION = 32;

    private final LlamaRuntime runtime;
    private final Tokenizer tokenizer;
    /** The vocabulary as a byte trie for constrained requests, built by the first of them. */
    private volatile TokenTrie vocabulary;

    private final EngineConfig config;
    private final KvCache cache;
    private final LoraResidency lora;
    private final Scheduler<Sequence> scheduler;
    private final PrefillPacing pacing;
    private final BackgroundLane background;
    private final Thread thread;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private volatile EngineStats stats;
    private volatile boolean closed;
    private volatile boolean draining;
    private volatile StepObserver stepObserver = (rows, prefill, nanos) -> {};
    /**
     * Requests accepted whose listener has not yet heard their end. Counted apart from the published stats, which lag
     * the queue by up to a step: {@link #drain} must not take a request just queued for an idle engine.
     */
    private final AtomicInteger unfinished = new AtomicInteger();
    /** Notified when the last unfinished request ends while draining, so {@link #drain} wakes at once. */
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
        this.pacing = new PrefillPacing(config.prefillTokenBudget(), config.prefillStretch(), config.maxBatchSize());
        this.scheduler = new Scheduler<>(config.maxBatchSize(), pacing::tokens, config.queueCapacity(), tenants);
        this.background = new BackgroundLane(config.backgroundShare());
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
        scheduler.wake();
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
        return new EngineStats(
                published.running(),
                scheduler.queued(),
                published.freeSlots(),
                published.cachedTokens(),
                published.steps(),
                published.generatedTokens(),
                published.loraUploads(),
                published.preemptions());
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
        Sequence sequence = new Sequence(
                request,
                handle,
                listener,
                prompt,
                tokenizer,
                request.grammar() == null ? null : new ConstrainedSampling(request.grammar(), vocabulary(), tokenizer));
        unfinished.incrementAndGet();
        try {
            scheduler.submit(sequence); // wakes the engine thread; only it reads and publishes the engine's own state
        } catch (RuntimeException e) {
            unfinished.decrementAndGet();
            throw e;
        }
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
            throw new InvalidRequestException("prompt of " + promptBytes
                    + " bytes is far longer than the model's context of " + config.maxContext() + " positions");
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
                    + (virtual > 0 ? " after " + virtual + " adapter virtual tokens" : "") + " plus max_new_tokens "
                    + maxNew
                    + " exceeds the model's context of " + config.maxContext() + " positions");
        }
        checkAdapters(request);
        return prompt;
    }

    private TokenTrie vocabulary() {
        TokenTrie trie = vocabulary;
        if (trie == null) {
            synchronized (this) {
                trie = vocabulary;
                if (trie == null) {
                    trie = TokenTrie.of(tokenizer);
                    vocabulary = trie;
                }
            }
        }
        return trie;
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
                if (!scheduler.hasRunning()
                        && !background.pending()
                        && !scheduler.awaitWork(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long started = System.nanoTime();
                execute(scheduler.schedule(started));
                publishStats();
                background.served(System.nanoTime() - started);
                background.runDue(scheduler.hasRunning());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("engine loop failed; failing all requests", e);
            for (Sequence s : List.copyOf(scheduler.running())) {
                release(s);
                notifyError(s, e);
            }
        } finally {
            drainOnClose();
        }
    }

    /** Carries out the scheduler's plan, in the order {@link StepPlan} gives. */
    private void execute(StepPlan<Sequence> plan) {
        for (Sequence s : plan.abandoned()) {
            release(s);
            finish(s, s.abandonReason());
        }
        for (Sequence s : plan.preempted()) {
            release(s);
        }
        for (StepPlan.Admission<Sequence> admission : plan.admitted()) {
            place(admission.work(), admission.slot());
        }
        int rows = plan.prefill().size() + plan.decode().size();
        List<Sequence> batch = new ArrayList<>(rows);
        int[] tokens = new int[rows];
        for (StepPlan.Chunk<Sequence> chunk : plan.prefill()) {
            tokens[batch.size()] = chunk.tokens();
            batch.add(chunk.work());
        }
        for (Sequence s : plan.decode()) {
            tokens[batch.size()] = 1;
            batch.add(s);
        }
        forward(batch, tokens, !plan.prefill().isEmpty());
    }

    /** Binds an admitted sequence to its batch slot: its LoRA into the device table, its prefix into the cache. */
    private void place(Sequence sequence, int slot) {
        sequence.slot = slot;
        if (sequence.adapters.lora() != null) {
            sequence.loraSlot = lora.acquire(sequence.adapters.lora());
            if (sequence.loraSlot < 0) {
                throw new IllegalStateException("no unpinned LoRA slot although a batch slot was free");
            }
        }
        if (sequence.adapters.prefix() != null) {
            runtime.writePrefix(cache, sequence.slot, sequence.adapters.prefix());
        }
        publishStats();
    }

    /**
     * Runs one forward pass feeding {@code tokens[i]} of sequence i's pending tokens, then samples and reports for each
     * sequence that fed its last; {@code prefill} tells the step observer whether any row prefilled.
     */
    private void forward(List<Sequence> batch, int[] tokens, boolean prefill) {
        if (batch.isEmpty()) {
            return;
        }
        List<ForwardBatch.Row> rows = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            rows.add(batch.get(i).row(tokens[i]));
        }
        ForwardBatch step = new ForwardBatch(rows);
        long started = System.nanoTime();
        StepOutput output;
        try {
            output = runtime.forward(step, cache, lora.table());
        } catch (RuntimeException e) {
            LOG.error("forward step failed for {} sequences", batch.size(), e);
            for (Sequence s : batch) {
                release(s);
                notifyError(s, e);
            }
            return;
        }
        steps.incrementAndGet();
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            if (!s.fed(tokens[i])) {
                continue; // a prefill chunk short of the prompt's end: nothing to sample yet
            }
            FinishReason reason;
            try {
                reason = s.advance(output.logits()[i], output.hidden()[i]);
            } catch (RuntimeException e) {
                LOG.warn("request {} failed while reporting output", s.request.requestId(), e);
                release(s);
                notifyError(s, e);
                continue;
            }
            generatedTokens.incrementAndGet();
            if (reason != null) {
                release(s);
                finish(s, reason);
            }
        }
        long took = System.nanoTime() - started;
        pacing.record(step.tokenCount(), took);
        stepObserver.onStep(batch.size(), prefill, took);
    }

    /**
     * Frees what the sequence holds: its batch slot (and so its KV cache, unless the scheduler freed it already for a
     * preemption) and its LoRA slot. Stats reflect it before the caller hears of the finish.
     */
    private void release(Sequence sequence) {
        scheduler.finished(sequence);
        sequence.slot = -1;
        if (sequence.loraSlot > 0) {
            lora.release(sequence.loraSlot);
            sequence.loraSlot = 0;
        }
        if (!scheduler.hasRunning()) {
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
        ended();
    }

    private void notifyError(Sequence sequence, Throwable error) {
        try {
            sequence.listener.onError(error);
        } catch (RuntimeException e) {
            LOG.warn("listener of request {} failed on error", sequence.request.requestId(), e);
        }
        ended();
    }

    /** A request's listener heard its end; {@link #drain} wakes when none is left. */
    private void ended() {
        if (unfinished.decrementAndGet() == 0 && draining) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /** Engine thread only: the scheduler's state is the engine thread's alone. */
    private void publishStats() {
        stats = new EngineStats(
                scheduler.running().size(),
                scheduler.queued(),
                scheduler.freeSlots(),
                scheduler.cachedTokens(),
                steps.get(),
                generatedTokens.get(),
                lora.uploads(),
                scheduler.preemptions());
    }

    private void drainOnClose() {
        background.cancelAll(new EngineClosedException());
        for (Sequence s : scheduler.removeAll()) {
            release(s);
            finish(s, FinishReason.CANCELLED);
        }
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
        return unfinished.get() == 0;
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
