package io.swapgate.core.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToDoubleFunction;

/**
 * Requests waiting for a batch slot: one FIFO per tenant, bounded in total and per tenant. Callers offer from any
 * thread; the engine thread takes the head of the tenant that deserves the next slot most.
 */
final class FairQueue<S extends Schedulable> {

    private final int capacity;
    private final TenantPolicy policy;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    /** Insertion-ordered so that ties go to the tenant that has waited longest. */
    private final Map<String, ArrayDeque<S>> byTenant = new LinkedHashMap<>();

    private int size;
    private boolean woken;

    FairQueue(int capacity, TenantPolicy policy) {
        this.capacity = capacity;
        this.policy = policy;
    }

    /** Queues a new request at its tenant's tail, or refuses it when the queue or the tenant's part of it is full. */
    void offer(S sequence) {
        String tenant = sequence.tenant();
        lock.lock();
        try {
            if (size >= capacity) {
                throw QueueFullException.engine(capacity);
            }
            ArrayDeque<S> own = byTenant.get(tenant);
            int limit = policy.maxQueued(tenant);
            if ((own != null && own.size() >= limit) || limit <= 0) {
                throw QueueFullException.tenant(tenant, limit);
            }
            byTenant.computeIfAbsent(tenant, t -> new ArrayDeque<>()).addLast(sequence);
            size++;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Puts a preempted sequence back at the head of its tenant's queue; it was admitted once, so no limit applies. */
    void requeue(S sequence) {
        lock.lock();
        try {
            byTenant.computeIfAbsent(sequence.tenant(), t -> new ArrayDeque<>()).addFirst(sequence);
            size++;
        } finally {
            lock.unlock();
        }
    }

    /** Ends a current or the next {@link #await} early: the engine has other work. */
    void wake() {
        lock.lock();
        try {
            woken = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for a request or a {@link #wake}; returns whether a request is waiting. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        lock.lock();
        try {
            long nanos = unit.toNanos(timeout);
            while (size == 0 && !woken && nanos > 0) {
                nanos = notEmpty.awaitNanos(nanos);
            }
            woken = false;
            return size > 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The head of the waiting tenant with the lowest {@code load} (slots held per unit of weight), without removing it;
     * ties go to the tenant queued longest. Null when nothing waits.
     */
    S peek(ToDoubleFunction<String> load) {
        lock.lock();
        try {
            S best = null;
            double bestLoad = Double.POSITIVE_INFINITY;
            for (Map.Entry<String, ArrayDeque<S>> entry : byTenant.entrySet()) {
                double tenantLoad = load.applyAsDouble(entry.getKey());
                if (!entry.getValue().isEmpty() && tenantLoad < bestLoad) {
                    best = entry.getValue().peekFirst();
                    bestLoad = tenantLoad;
                }
            }
            return best;
        } finally {
            lock.unlock();
        }
    }

    /** Removes a sequence returned by {@link #peek}; an emptied tenant moves to the back of the tie order. */
    void remove(S head) {
        lock.lock();
        try {
            ArrayDeque<S> own = byTenant.get(head.tenant());
            if (own != null && own.peekFirst() == head) {
                own.pollFirst();
                size--;
                if (own.isEmpty()) {
                    byTenant.remove(head.tenant());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns everything waiting. */
    List<S> clear() {
        lock.lock();
        try {
            List<S> all = new ArrayList<>(size);
            byTenant.values().forEach(all::addAll);
            byTenant.clear();
            size = 0;
            return all;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }
}
