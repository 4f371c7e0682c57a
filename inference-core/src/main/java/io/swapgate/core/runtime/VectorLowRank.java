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
        ByteBuffer[] memory = table.stackMemory(module);
        Shape shape = x.getShape();
        int rows = Math.toIntExact(shape.get(0));
        int tokens = Math.toIntExact(shape.get(1));
        int in = Math.toIntExact(shape.get(2));
        int maxRank = table.maxRank();
        int out = Math.toIntExact(table.stacks(module)[1].getShape().get(3));
        int layers = table.layers();
        float[] input = x.toFloatArray();
        float[] product = new float[rows * tokens * out];
        team.run(rows * tokens, (from, to) -> {
            float[] shrunk = new float[width];
            for (int position = from; position < to; position++) {
                int row = position / tokens;
                int slot = (int) slotOfRow[row];
                if (slot == 0) {
                    continue;
                }
                int block = slot * layers + layer;
                LowRankRows.shrink(memory[0], block * in * maxRank, maxRank, in, width, input, position * in, shrunk);
                for (int j = 0; j < width; j++) {
                    shrunk[j] *= coefficients[row * width + j];
                }
                LowRankRows.expand(memory[1], block * maxRank * out, width, out, shrunk, product, position * out);
            }
        });
        return step.create(product, new Shape(rows, tokens, out));
    }
}
