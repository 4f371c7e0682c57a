package io.swapgate.core.engine;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Work that must run on the engine thread (it owns the runtime) but below serving: between steps, and while requests
 * are running only as often as keeps its time within a share of the thread's. After a task of t ns, serving gets at
 * least t · (1 − share) / share ns before the next one; when nothing is being served a task runs at once.
 */
final class BackgroundLane {

    private record Task<T>(Callable<T> work, CompletableFuture<T> result) {
        void run() {
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }
    }

    private final double share;
    private final ConcurrentLinkedQueue<Task<?>> tasks = new ConcurrentLinkedQueue<>();
    /** Serving time that must still pass before the next task may run beside running requests. */
    private long servingOwedNanos;

    BackgroundLane(double share) {
        this.share = share;
    }

    <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(new Task<>(work, result));
        return result;
    }

    boolean pending() {
        return !tasks.isEmpty();
    }

    /** Counts serving time towards the debt the last task left. */
    void served(long nanos) {
        servingOwedNanos = Math.max(0, servingOwedNanos - nanos);
    }

    /** Runs the next task if one waits and the share allows it now ({@code serving}: requests are running). */
    void runDue(boolean serving) {
        if (serving && servingOwedNanos > 0) {
            return;
        }
        Task<?> task = tasks.poll();
        if (task == null) {
            return;
        }
        long started = System.nanoTime();
        task.run();
        long took = System.nanoTime() - started;
        servingOwedNanos = serving ? (long) (took * (1 - share) / share) : 0;
    }

    /** Fails what is still waiting: the engine is closing. */
    void cancelAll(RuntimeException reason) {
        for (Task<?> task; (task = tasks.poll()) != null; ) {
            task.result().completeExceptionally(reason);
        }
    }
}
