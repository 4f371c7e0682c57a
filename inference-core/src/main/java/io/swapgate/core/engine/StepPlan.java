package io.swapgate.core.engine;

import java.util.List;

/**
 * One engine step as the {@link Scheduler} decided it, for the engine loop to carry out in this order: finish the
 * abandoned, release what the preempted held, place the admitted in their slots, run the prefill rows, then run the
 * decode rows.
 *
 * @param abandoned cancelled or expired requests, taken off the batch or the queue; their slots are free already
 * @param preempted running requests sent back to the queue head to make room; their batch slots are free already
 * @param admitted requests taken from the queue, each with the batch slot it was given
 * @param prefill the running requests whose next step is their prefill (the admitted among them)
 * @param decode every running request: after the prefill rows have run, all of them decode one token (so a request
 *     admitted this step also gets its second token in it); the engine skips any that finished during prefill
 */
record StepPlan<S extends Schedulable>(
        List<S> abandoned, List<S> preempted, List<Admission<S>> admitted, List<S> prefill, List<S> decode) {

    /** A request given batch slot {@code slot}. */
    record Admission<S>(S work, int slot) {}
}
