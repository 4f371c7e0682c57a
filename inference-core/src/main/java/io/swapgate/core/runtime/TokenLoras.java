package io.swapgate.core.runtime;

import io.swapgate.core.adapter.LoraModule;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The adapters of a vector decoder step's tokens, applied as libtorch's step applies them ({@link LoraStep}): each
 * module's low-rank product added to its base product, then DoRA's or IA3's output scales, and IA3's input scales on
 * the inputs of o_proj and down_proj before those are multiplied. Everything is read from the slot table's memory in
 * place; the tokens are split over the runtime's team.
 */
final class TokenLoras {

    private final LoraSlotTable table;
    /** Per token, its row's LoRA, or null. */
    private final ForwardBatch.LoraUse[] uses;
    /** Per token with a LoRA, its scale over each rank it serves. */
    private final float[][] coefficients;

    private final RowTeam team;

    private TokenLoras(LoraSlotTable table, ForwardBatch.LoraUse[] uses, float[][] coefficients, RowTeam team) {
        this.table = table;
        this.uses = uses;
        this.coefficients = coefficients;
        this.team = team;
    }

    /** The adapters of the step's {@code count} tokens, row by row, or null when no row has one. */
    static TokenLoras of(ForwardBatch batch, int count, LoraSlotTable table, RowTeam team) {
        if (batch.rows().stream().allMatch(row -> row.lora() == null)) {
            return null;
        }
        ForwardBatch.LoraUse[] uses = new ForwardBatch.LoraUse[count];
        float[][] coefficients = new float[count][];
        int t = 0;
        for (ForwardBatch.Row row : batch.rows()) {
            ForwardBatch.LoraUse use = row.lora();
            float[] scaled = use == null ? null : new float[use.rank()];
            if (scaled != null) {
                Arrays.fill(scaled, use.scale());
            }
            for (int i = 0; i < row.tokens().length; i++, t++) {
                uses[t] = use;
                coefficients[t] = scaled;
            }
        }
        return new TokenLoras(table, uses, coefficients, team);
    }

    /**
     * Adds each token's product through its adapter's {@code module} in {@code layer} (inputs: rows of x as wide as
     * the module's inputs) to its outputs (rows of y {@code stride} wide, from {@code offset}), then scales those
     * outputs where the adapter does.
     */
    void add(LoraModule module, int layer, float[] x, float[] y, int stride, int offset) {
        int in = table.inputs(module);
        int out = table.outputs(module);
        team.run(uses.length, (from, to) -> {
            float[] shrunk = null;
            for (int t = from; t < to; t++) {
                ForwardBatch.LoraUse use = uses[t];
                if (use == null || !table.modulesOf(use.tableSlot()).contains(module)) {
                    continue;
                }
                int slot = use.tableSlot();
                if (shrunk == null || shrunk.length < use.rank()) {
                    shrunk = new float[use.rank()];
                }
                int y0 = t * stride + offset;
                VectorLowRank.addProduct(
                        table, module, layer, slot, use.rank(), coefficients[t], 0, x, t * in, y, y0, shrunk);
                if (table.outputScaled(slot, module)) {
                    scale(y, y0, table.outputScaleMemory(module), table.block(slot, layer) * out, out);
                }
            }
        });
    }

    /** Scales each token's inputs to {@code module} (rows of x, {@code width} wide) where its adapter does (IA3). */
    void scaleInputs(LoraModule module, int layer, float[] x, int width) {
        for (int t = 0; t < uses.length; t++) {
            ForwardBatch.LoraUse use = uses[t];
            if (use != null && table.inputScaled(use.tableSlot(), module)) {
                scale(x, t * width, table.inputScaleMemory(module), table.block(use.tableSlot(), layer) * width, width);
            }
        }
    }

    /** values[at + i] *= scales[from + i] for i below {@code count}. */
    private static void scale(float[] values, int at, ByteBuffer scales, int from, int count) {
        for (int i = 0; i < count; i++) {
            values[at + i] *= scales.getFloat(4 * (from + i));
        }
    }
}
