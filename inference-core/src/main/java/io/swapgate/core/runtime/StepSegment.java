package io.swapgate.core.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of one forward step that are laid out together: padded to one width, masked and attended as one batch. A step
 * whose rows all have one width is one segment. A step that mixes decoding rows (one token each) with prefill chunks
 * has two, so the decoding rows are not padded to the chunk's width; the segments still share each weight product
 * (see {@link LlamaRuntime#forward}), so the weights are read once per step.
 *
 * @param batchRows the segment's rows' indices in the step's batch, in order
 * @param rows the segment's rows as a batch of their own
 * @param layout their index arrays and masks
 * @param lora their LoRA factors, or null when none of them uses one
 */
record StepSegment(int[] batchRows, ForwardBatch rows, StepLayout layout, LoraStep lora) {

    /** The step's segments: one for rows of a single token, one for longer rows, leaving out either when empty. */
    static List<StepSegment> of(
            ForwardBatch batch, int cacheLength, int window, LoraSlotTable table, NDManager step, DataType dataType) {
        List<Integer> single = new ArrayList<>();
        List<Integer> longer = new ArrayList<>();
        for (int r = 0; r < batch.size(); r++) {
            (batch.rows().get(r).tokens().length == 1 ? single : longer).add(r);
        }
        List<StepSegment> segments = new ArrayList<>(2);
        for (List<Integer> indices : List.of(longer, single)) {
            if (indices.isEmpty()) {
                continue;
            }
            // Only one set of rows may keep its gathered LoRA factors between steps: the decoding rows, when there are
            // any, since they stay the same step after step; a step of prefill rows alone may keep theirs.
            boolean kept = indices == single || single.isEmpty();
            ForwardBatch rows = indices.size() == batch.size()
                    ? batch
                    : new ForwardBatch(indices.stream().map(batch.rows()::get).toList());
            segments.add(new StepSegment(
                    indices.stream().mapToInt(Integer::intValue).toArray(),
                    rows,
                    StepLayout.of(rows, cacheLength, window, step, dataType),
                    LoraStep.gather(table, rows, kept, step, dataType)));
        }
        return segments;
    }

    /** Tokens the segment computes, padding included. */
    long paddedTokens() {
        return (long) layout.rows * layout.width;
    }
}
