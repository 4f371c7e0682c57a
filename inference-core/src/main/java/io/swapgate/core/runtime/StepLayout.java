package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

    final NDArray tokens;
    final NDArray positions;
    final NDArray slots;
    final NDArray writeSlots;
    final NDArray writePositions;
    final NDArray writeRows;
    final NDArray lastTokens;
    /** Additive attention mask [rows, 1, 1, width, span]: 0 where a query may see a key, -inf elsewhere. */
    final NDArray mask;

    private StepLayout(
            int rows,
            int width,
            int span,
            NDArray tokens,
            NDArray positions,
            NDArray slots,
            NDArray writeSlots,
            NDArray writePositions,
            NDArray writeRows,
            NDArray lastTokens,
            NDArray mask) {
        this.rows = rows;
        this.width = width;
        this.span = span;
        this.tokens = tokens;
        this.positions = positions;
        this.slots = slots;
        this.writeSlots = writeSlots;
        this.writePositions = writePositions;
        this.writeRows = writeRows;
        this.lastTokens = lastTokens;
        this.mask = mask;
    }

    static StepLayout of(ForwardBatch batch, int cacheLength, NDManager step, DataType dataType) {
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
        long[] slots = new long[n];
        long[] writeSlots = new long[valid];
        long[] writePositions = new long[valid];
        long[] writeRows = new long[valid];
        long[] lastTokens = new long[n];
        float[] mask = new float[n * width * span];
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
                }
            }
        }
        return new StepLayout(
                n,
                width,
                span,
                step.create(tokens),
                step.create(positions),
                step.create(slots),
                step.create(writeSlots),
                step.create(writePositions),
                step.create(writeRows),
                step.create(lastTokens),
                step.create(mask, new Shape(n, 1, 1, width, span)).toType(dataType, false));
    }
}
