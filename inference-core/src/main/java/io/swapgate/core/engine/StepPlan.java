package io.swapgate.core.engine;

import java.util.List;

/**
 * One engine step as the {@link Scheduler} decided it, for the engine loop to carry out in this order: finish the
 * abandoned, release what the preempted held, place the admitted in their slots, then run one forward pass over the
 * prefill chunks and the decode rows together.
 *
 * @param abandoned cancelled or expired requests, taken off the batch or the queue; their slots are free already
 * @param preempted running requests sent back to the queue head to make room; their batch slots are free already
 * @param admitted requests taken from the queue, each with the batch slot it was given
 * @param prefill the next part of the prompts being prefilled (the admitted among them), within the step's prefill token
 *     budget; a prefilling request absent from it waits for a later step
 * @param decode the running requests past their prefill: each feeds its last token and samples the next
 */
record StepPlan<S extends Schedulable>(
        List<S> abandoned, List<S> preempted, List<Admission<S>> admitted, List<Chunk<S>> prefill, List<S> decode) {

    /** A request given batch slot {@code slot}. */
    record Admission<S>(S work, int slot) {}

    /** The next {@code tokens} of a request's prefill. */
    record Chunk<S>(S work, int tokens) {}
}
