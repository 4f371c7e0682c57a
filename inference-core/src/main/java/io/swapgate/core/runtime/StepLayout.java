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
    /**
     * The first of the consecutive cache slots attention reads as one view, nothing copied, or -1 when the rows' own
     * slots are copied out instead. Rows in consecutive slots, in order, read exactly theirs; rows out of order or
     * with gaps between their slots read the whole range their slots span, when it is at most {@link #MAX_SPREAD}
     * times their number: attention then runs for every slot of the range, each row at its {@link #places} entry.
     */
    final int viewFirst;
    /** The number of slots of the view: the rows', or the range's. */
    final int viewSlots;
    /** Each row's place in the view when that is a range wider than, or ordered unlike, the rows; else null. */
    final NDArray places;
    /** {@link #places} as an index, built once for every layer's attention; null with them. */
    private final NDIndex atPlaces;

    final NDArray tokens;
    final NDArray positions;
    /** Where the step's real (not padding) tokens go in the cache: their slots and positions. */
    final NDIndex cacheTarget;
    /** The real tokens among the step's [rows * width] outputs, or null when there is no padding. */
    private final NDIndex realRows;

    final NDArray lastTokens;
    /**
     * Additive attention mask [rows, 1, 1, width, span] (one row per view slot when rows take {@link #places}): 0 where
     * a query may see a key, -inf elsewhere; null when every query sees every key (one decoding row, or rows at the
     * same position).
     */
    final NDArray mask;
    /**
     * The mask of sliding-window layers, which also hides keys a window or more behind their query; null when it
     * hides nothing (the model has no window, or every row is still within it).
     */
    final NDArray windowMask;

    /**
     * How many times the rows' number a range of slots may span and still be attended as one view: attention over a
     * slot no row uses is wasted work, but copying each row's history (rows x span x kvDim per layer, keys and values)
     * costs more. 32 decoding rows near position 200 on the 85.7M peer model, 2 cores: 112 ms a step in consecutive
     * slots, 342 ms in the same slots out of order, copied.
     */
    static final int MAX_SPREAD = 2;

    private StepLayout(
            int rows,
            int width,
            int span,
            int[] slotOfRow,
            View view,
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
        this.viewFirst = view.first;
        this.viewSlots = view.slots;
        this.places = view.places;
        this.atPlaces = places == null ? null : new NDIndex("{}", places);
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

    /**
     * Per-row values [rows, ...] laid out one per slot of the attention view, each row at its place and zeros where no
     * row is; as they are when the view is the rows' own slots.
     */
    NDArray perViewSlot(NDArray perRow, NDManager step) {
        if (atPlaces == null) {
            return perRow;
        }
        Shape shape = perRow.getShape();
        NDArray spread = step.zeros(new Shape(viewSlots).addAll(shape.slice(1)), perRow.getDataType());
        spread.set(atPlaces, perRow);
        return spread;
    }

    /** The rows' values [rows, ...] of values per slot of the attention view: the inverse of {@link #perViewSlot}. */
    NDArray perRow(NDArray perViewSlot) {
        return atPlaces == null ? perViewSlot : perViewSlot.get(atPlaces);
    }

    /** The cache slots attention reads as one view, and each row's place in it where that is not its own row index. */
    private record View(int first, int slots, NDArray places) {

        static View of(int[] slotOfRow, NDManager step) {
            int lowest = Integer.MAX_VALUE;
            int highest = -1;
            boolean inOrder = true;
            for (int r = 0; r < slotOfRow.length; r++) {
                lowest = Math.min(lowest, slotOfRow[r]);
                highest = Math.max(highest, slotOfRow[r]);
                inOrder &= slotOfRow[r] == slotOfRow[0] + r;
            }
            if (inOrder) {
                return new View(slotOfRow[0], slotOfRow.length, null);
            }
            int range = highest - lowest + 1;
            if (range > MAX_SPREAD * slotOfRow.length) {
                return new View(-1, 0, null);
            }
            long[] places = new long[slotOfRow.length];
            for (int r = 0; r < slotOfRow.length; r++) {
                places[r] = (long) slotOfRow[r] - lowest;
            }
            return new View(lowest, range, step.create(places));
        }

        /** The mask row of batch row {@code r}. */
        int maskRow(int r, int[] slotOfRow) {
            return places == null ? r : slotOfRow[r] - first;
        }

        int maskRows(int rows) {
            return places == null ? rows : slots;
        }
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
        int[] slots = new int[n];
        for (int r = 0; r < n; r++) {
            slots[r] = rows.get(r).slot();
        }
        View view = View.of(slots, step);
        int valid = batch.tokenCount();
        long[] tokens = new long[n * width];
        long[] positions = new long[n * width];
        long[] writeSlots = new long[valid];
        long[] writePositions = new long[valid];
        long[] writeRows = new long[valid];
        long[] lastTokens = new long[n];
        int maskRows = view.maskRows(n);
        float[] mask = new float[maskRows * width * span];
        boolean masked = false;
        float[] windowMask = window > 0 ? new float[maskRows * width * span] : null;
        boolean windowed = false;
        int w = 0;
        for (int r = 0; r < n; r++) {
            ForwardBatch.Row row = rows.get(r);
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
                int maskBase = (view.maskRow(r, slots) * width + t) * span;
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
        Shape maskShape = new Shape(maskRows, 1, 1, width, span);
        NDArray causal = masked ? step.create(mask, maskShape).toType(dataType, false) : null;
        return new StepLayout(
                n,
                width,
                span,
                slots,
                view,
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
