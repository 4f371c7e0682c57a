package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The index arrays one forward step needs, built on the host: rows are padded to the longest row;
 * padding tokens are computed but never written to the cache and never read back.
 */
final class StepLayout {

    final int rows;
    final int width;
    /** Cache positions attended to this step: the longest row's end. */
    final int span;

    /** Each row's cache slot. */
    final int[] slotOfRow;
    /** The first row's slot when the rows' slots are consecutive (row r in slot first + r), else -1. */
    final int firstSlot;

    final NDArray tokens;
    final NDArray positions;
    /** Where the step's real (not padding) tokens go in the cache: their slots and positions. */
    final NDIndex cacheTarget;
    /** The real tokens among the step's [rows * width] outputs, or null when there is no padding. */
    private final NDIndex realRows;

    final NDArray lastTokens;
    /**
     * Additive attention mask [rows, 1, 1, width, span]: 0 where a query may see a key, -inf elsewhere; null when
     * every query sees every key (one decoding row, or rows at the same position).
     */
    final NDArray mask;
    /**
     * The mask of sliding-window layers, which also hides keys a window or more behind their query; null when it
     * hides nothing (the model has no window, or every row is still within it).
     */
    final NDArray windowMask;

    private StepLayout(
            int rows,
            int width,
            int span,
            int[] slotOfRow,
            NDArray tokens,
            NDArray positions,
            NDArray writeSlots,
            NDArray writePositions,
            NDArray writeRows,
            boolean padded,
            NDArray lastTokens,
            NDArray mask,
            NDArray windowMask) {
        this.rows = rows;
        this.width = width;
        this.span = span;
        this.slotOfRow = slotOfRow;
        this.firstSlot = consecutiveFrom(slotOfRow);
        this.tokens = tokens;
        this.positions = positions;
        this.cacheTarget = new NDIndex("{}, :, {}", writeSlots, writePositions);
        this.realRows = padded ? new NDIndex("{}", writeRows) : null;
        this.lastTokens = lastTokens;
        this.mask = mask;
        this.windowMask = windowMask;
    }

    /** The real tokens' rows of a step's [rows * width, ...] output: all of it when no row is padded. */
    NDArray realTokens(NDArray perToken) {
        return realRows == null ? perToken : perToken.get(realRows);
    }

    private static int consecutiveFrom(int[] slots) {
        for (int r = 1; r < slots.length; r++) {
            if (slots[r] != slots[0] + r) {
                return -1;
            }
        }
        return slots[0];
    }

    /** The step's layout; {@code window} is the model's sliding window, 0 for none. */
    static StepLayout of(ForwardBatch batch, int cacheLength, int window, NDManager step, DataType dataType) {
        List<ForwardBatch.Row> rows = batch.rows();
        int n = rows.size();
        int width = batch.longestRow();
        int span = rows.stream().mapToInt(ForwardBatch.Row::end).max().orElseThrow();
        if (span > cacheLength) {
            throw new IllegalArgumentException("a row reaches position " + span + " beyond the cache's " + cacheLength);
        }
        int valid = batch.tokenCount();
        long[] tokens = new long[n * width];
        long[] positions = new long[n * width];
        int[] slots = new int[n];
        long[] writeSlots = new long[valid];
        long[] writePositions = new long[valid];
        long[] writeRows = new long[valid];
        long[] lastTokens = new long[n];
        float[] mask = new float[n * width * span];
        boolean masked = false;
        float[] windowMask = window > 0 ? new float[n * width * span] : null;
        boolean windowed = false;
        int w = 0;
        for (int r = 0; r < n; r++) {
            ForwardBatch.Row row = rows.get(r);
            slots[r] = row.slot();
            lastTokens[r] = (long) r * width + row.tokens().length - 1;
            for (int t = 0; t < width; t++) {
                boolean real = t < row.tokens().length;
                // Padding repeats the row's last real position so its (discarded) outputs stay finite.
                int position = row.start() + Math.min(t, row.tokens().length - 1);
                int flat = r * width + t;
                // Virtual (prompt-tuning) tokens look up row 0 here; the runtime overwrites their embeddings.
                tokens[flat] = real ? Math.max(0, row.tokens()[t]) : 0;
                positions[flat] = position;
                if (real) {
                    writeSlots[w] = row.slot();
                    writePositions[w] = position;
                    writeRows[w] = flat;
                    w++;
                }
                int maskBase = flat * span;
                for (int key = position + 1; key < span; key++) {
                    mask[maskBase + key] = Float.NEGATIVE_INFINITY;
                    masked = true;
                }
                if (windowMask != null) {
                    System.arraycopy(mask, maskBase, windowMask, maskBase, span);
                    for (int key = 0; key <= position - window; key++) {
                        windowMask[maskBase + key] = Float.NEGATIVE_INFINITY;
                        windowed = true;
                    }
                }
            }
        }
        Shape maskShape = new Shape(n, 1, 1, width, span);
        NDArray causal = masked ? step.create(mask, maskShape).toType(dataType, false) : null;
        return new StepLayout(
                n,
                width,
                span,
                slots,
                step.create(tokens),
                step.create(positions),
                step.create(writeSlots),
                step.create(writePositions),
                step.create(writeRows),
                valid < n * width,
                step.create(lastTokens),
                causal,
                windowed ? step.create(windowMask, maskShape).toType(dataType, false) : causal);
    }
}
