package io.swapgate.core.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntBinaryOperator;

/**
 * Decides each engine step: which running requests are dropped, which waiting ones get a batch slot, which running
 * one gives its slot up for a fairer split, and which rows the step's forward passes carry. It only decides; the
 * engine loop carries out the {@link StepPlan} and reports back what finished ({@link #finished}). No model and no
 * clock inside, so fairness, preemption and slot assignment are tested on plain objects.
 *
 * <p>Slots are shared between tenants by weight ({@link TenantPolicy}): a free slot goes to the waiting tenant holding
 * the fewest slots per unit of weight, and when none is free, a tenant holding more than its share gives one up.
 *
 * <p>Threads: {@link #submit}, {@link #wake}, {@link #awaitWork} and {@link #queued} from any thread (the queue is
 * thread-safe); everything else from the engine thread only.
 */
final class Scheduler<S extends Schedulable> {

    /**
     * The prompt tokens a step may carry, given how many rows it decodes and how many requests wait for a free slot
     * ({@link PrefillPacing}).
     */
    private final IntBinaryOperator prefillBudget;

    private final FairQueue<S> queue;
    private final SlotShares<S> shares;
    /**
     * Lowest first, so the running requests' slots stay packed: attention reads the slots a step's rows span as one
     * view of the KV cache only while that range is not much wider than the rows (see StepLayout).
     */
    private final PriorityQueue<Integer> freeSlots = new PriorityQueue<>();

    private final List<S> running = new ArrayList<>();
    private final IdentityHashMap<S, Integer> slots = new IdentityHashMap<>();
    private long preemptions;

    Scheduler(int batchSlots, IntBinaryOperator prefillBudget, int queueCapacity, TenantPolicy tenants) {
        this.prefillBudget = prefillBudget;
        this.queue = new FairQueue<>(queueCapacity, tenants);
        this.shares = new SlotShares<>(tenants);
        for (int slot = 0; slot < batchSlots; slot++) {
            freeSlots.add(slot);
        }
    }

    /**
     * Queues a request at its tenant's tail and wakes the engine.
     *
     * @throws QueueFullException when the queue, or the tenant's part of it, is full
     */
    void submit(S work) {
        queue.offer(work);
    }

    /** Ends a current or the next {@link #awaitWork} early: the engine has other work. */
    void wake() {
        queue.wake();
    }

    /** Waits up to {@code timeout} for a queued request or a {@link #wake}; returns whether a request waits. */
    boolean awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.await(timeout, unit);
    }

    /**
     * Plans the next step at time {@code now}: drops abandoned running requests, then fills free slots from the queue,
     * least served tenant first, as long as the admitted prompts fit the step's prefill token budget (what the budget
     * function gives for the step's decode rows and the requests waiting for a free slot; the first admission always
     * fits), preempting for a tenant below its share when no slot is free. Then it shares the budget out among the
     * prompts being prefilled, shortest remainder first: a short prompt gets its first token in the step it is
     * admitted, and a prompt longer than the budget is prefilled in chunks over several steps while every running
     * stream goes on decoding.
     */
    StepPlan<S> schedule(long now) {
        List<S> abandoned = new ArrayList<>();
        List<S> preempted = new ArrayList<>();
        List<StepPlan.Admission<S>> admitted = new ArrayList<>();
        for (S work : List.copyOf(running)) {
            if (work.abandoned(now)) {
                finished(work);
                abandoned.add(work);
            }
        }
        int decoding = (int) running.stream().filter(work -> !work.isPrefill()).count();
        int joining = Math.min(queue.size(), freeSlots.size());
        int stepBudget = Math.max(1, prefillBudget.applyAsInt(decoding, joining));
        int budget = stepBudget;
        while (true) {
            S next = queue.peek(shares::load);
            if (next == null) {
                break;
            }
            if (next.abandoned(now)) {
                queue.remove(next);
                abandoned.add(next);
                continue;
            }
            if (next.pendingTokens() > budget && budget < stepBudget) {
                break;
            }
            if (freeSlots.isEmpty() && !preemptFor(next.tenant(), preempted)) {
                break;
            }
            queue.remove(next);
            admitted.add(new StepPlan.Admission<>(next, place(next)));
            budget -= next.pendingTokens();
        }
        List<S> decode = running.stream().filter(work -> !work.isPrefill()).toList(); // less any preempted
        return new StepPlan<>(abandoned, preempted, admitted, chunks(stepBudget), decode);
    }

    /**
     * The prefill budget shared out among the running prompts still being prefilled, shortest remainder first, with
     * half of it (at least one token, when pacing leaves a step a single one) held for the one admitted earliest until
     * its turn: shorter prompts, however many keep arriving, never starve a long one that is already being fed.
     */
    private List<StepPlan.Chunk<S>> chunks(int stepBudget) {
        List<S> prefilling = new ArrayList<>();
        for (S work : running) {
            if (work.isPrefill()) {
                prefilling.add(work);
            }
        }
        if (prefilling.isEmpty()) {
            return List.of();
        }
        S oldest = prefilling.get(0);
        int held = Math.min(oldest.pendingTokens(), Math.max(1, stepBudget / 2));
        prefilling.sort(Comparator.comparingInt(Schedulable::pendingTokens)); // stable: admission order among equals
        List<StepPlan.Chunk<S>> chunks = new ArrayList<>(prefilling.size());
        int budget = stepBudget;
        for (S work : prefilling) {
            int tokens = Math.min(work.pendingTokens(), work == oldest ? budget : budget - held);
            if (work == oldest) {
                held = 0;
            }
            if (tokens > 0) {
                chunks.add(new StepPlan.Chunk<>(work, tokens));
                budget -= tokens;
            }
        }
        return chunks;
    }

    /** Takes a slot from the most loaded other tenant when that leaves the split fairer. */
    private boolean preemptFor(String claimant, List<S> preempted) {
        S victim = shares.victimFor(claimant, running);
        if (victim == null) {
            return false;
        }
        finished(victim);
        victim.preempt();
        queue.requeue(victim);
        preemptions++;
        preempted.add(victim);
        return true;
    }

    private int place(S work) {
        int slot = freeSlots.poll();
        slots.put(work, slot);
        shares.started(work);
        running.add(work);
        return slot;
    }

    /** Frees a running request's slot: it finished, failed or was dropped. No effect on one not running. */
    void finished(S work) {
        Integer slot = slots.remove(work);
        if (slot != null) {
            running.remove(work);
            freeSlots.add(slot);
            shares.released(work);
        }
    }

    /** Takes every running and queued request off the scheduler (the engine is closing); running ones come first. */
    List<S> removeAll() {
        List<S> all = new ArrayList<>(running);
        List.copyOf(running).forEach(this::finished);
        all.addAll(queue.clear());
        return all;
    }

    boolean hasRunning() {
        return !running.isEmpty();
    }

    /** The running requests in admission order, read-only. */
    List<S> running() {
        return Collections.unmodifiableList(running);
    }

    int freeSlots() {
        return freeSlots.size();
    }

    /** Requests waiting for a slot now. Any thread. */
    int queued() {
        return queue.size();
    }

    long preemptions() {
        return preemptions;
    }

    /** KV-cache positions the running requests hold. */
    long cachedTokens() {
        long cached = 0;
        for (S work : running) {
            cached += work.cachedTokens();
        }
        return cached;
    }
}
