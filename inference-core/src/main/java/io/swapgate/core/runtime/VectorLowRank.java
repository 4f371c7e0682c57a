package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.runtime.vector.LowRankRows;
import java.nio.ByteBuffer;

/**
 * Every row's LoRA product on the vector kernels, each row's factors read once from the slot table's memory and split
 * over the runtime's threads by row. A step whose rows all differ (many adapters, rotating) then costs one read of
 * their factors, where gathering them cost a copy of the same bytes first; rows without a LoRA cost nothing.
 */
final class VectorLowRank implements InPlaceProducts {

    private final LoraSlotTable table;
    private final long[] slotOfRow;
    private final int width;
    private final float[] coefficients;
    private final RowTeam team;
    private final NDManager step;

    /**
     * @param slotOfRow the slot each row uses, 0 for rows without a LoRA
     * @param width the ranks multiplied, the widest any row serves
     * @param coefficients [rows, width]: each row's scale over the ranks it serves, 0 beyond
     */
    VectorLowRank(
            LoraSlotTable table, long[] slotOfRow, int width, float[] coefficients, RowTeam team, NDManager step) {
        this.table = table;
        this.slotOfRow = slotOfRow;
        this.width = width;
        this.coefficients = coefficients;
        this.team = team;
        this.step = step;
    }

    @Override
    public NDArray times(LoraModule module, int layer, NDArray x) {
        Shape shape = x.getShape();
        int rows = Math.toIntExact(shape.get(0));
        int tokens = Math.toIntExact(shape.get(1));
        int in = Math.toIntExact(shape.get(2));
        int out = table.outputs(module);
        float[] input = x.toFloatArray();
        float[] product = new float[rows * tokens * out];
        team.run(rows * tokens, (from, to) -> {
            float[] shrunk = new float[width];
            for (int position = from; position < to; position++) {
                int row = position / tokens;
                int slot = (int) slotOfRow[row];
                if (slot != 0) {
                    addProduct(
                            table,
                            module,
                            layer,
                            slot,
                            width,
                            coefficients,
                            row * width,
                            input,
                            position * in,
                            product,
                            position * out,
                            shrunk);
                }
            }
        });
        return step.create(product, new Shape(rows, tokens, out));
    }

    /**
     * y[y0 + o] += (((x A^T) * c) B^T)[o] for one position's input x (from {@code x0}) on {@code slot}'s factors of
     * {@code module} in {@code layer}, c[c0 + j] being the coefficient of rank j for j below {@code width}; {@code
     * shrunk} holds at least {@code width} values.
     */
    static void addProduct(
            LoraSlotTable table,
            LoraModule module,
            int layer,
            int slot,
            int width,
            float[] c,
            int c0,
            float[] x,
            int x0,
            float[] y,
            int y0,
            float[] shrunk) {
        ByteBuffer[] memory = table.stackMemory(module);
        int in = table.inputs(module);
        int out = table.outputs(module);
        int maxRank = table.maxRank();
        int block = table.block(slot, layer);
        LowRankRows.shrink(memory[0], block * in * maxRank, maxRank, in, width, x, x0, shrunk);
        for (int j = 0; j < width; j++) {
            shrunk[j] *= c[c0 + j];
        }
        LowRankRows.expand(memory[1], block * maxRank * out, width, out, shrunk, y, y0);
    }
}
