package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.adapter.LoraModule;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One step's LoRA factors, gathered from the slot table once per module for all layers: A^T as [rows, layers, in, r]
 * and B^T as [rows, layers, r, out], with r the largest rank any row of the step serves. When every row uses the same
 * adapter the slot's own factors are used without a gather. Per layer and module the update is then
 * ((x A^T) * c) B^T: two batched products, c holding each row's scale over its served rank and zero beyond it. The
 * gathered factors are reused across steps while the rows and their slots stay the same (see
 * {@link LoraSlotTable#gathered}).
 */
final class LoraStep implements LoraUpdate {

    private final Map<LoraModule, NDArray[]> factors = new EnumMap<>(LoraModule.class);
    private final NDArray coefficients;
    /** The step's scope: per-layer views of factors kept across steps must not pile up in the cache's manager. */
    private final NDManager step;

    private LoraStep(NDArray coefficients, NDManager step) {
        this.coefficients = coefficients;
        this.step = step;
    }

    /**
     * Gathers the rows' factors, or returns null when no row of the step uses a LoRA. With {@code keep} they are kept
     * in the table for the next steps (see {@link LoraSlotTable#gathered}: one set of rows at a time, the decoding
     * rows); without, they are gathered into the step's scope.
     */
    static LoraStep gather(LoraSlotTable table, ForwardBatch batch, boolean keep, NDManager step, DataType dataType) {
        List<ForwardBatch.Row> rows = batch.rows();
        int width = rows.stream()
                .filter(r -> r.lora() != null)
                .mapToInt(r -> r.lora().rank())
                .max()
                .orElse(0);
        if (width == 0) {
            return null;
        }
        long[] slots = new long[rows.size()];
        float[] coefficients = new float[rows.size() * width];
        Set<LoraModule> modules = EnumSet.noneOf(LoraModule.class);
        for (int r = 0; r < rows.size(); r++) {
            ForwardBatch.LoraUse use = rows.get(r).lora();
            if (use != null) {
                slots[r] = use.tableSlot();
                // Ranks past the served one are masked out: DyLoRA truncation and zero padding in one product.
                java.util.Arrays.fill(coefficients, r * width, r * width + use.rank(), use.scale());
                modules.addAll(table.modulesOf(use.tableSlot()));
            }
        }
        LoraStep lora = new LoraStep(
                step.create(coefficients, new Shape(rows.size(), 1, width)).toType(dataType, false), step);
        if (java.util.Arrays.stream(slots).distinct().count() == 1) {
            for (LoraModule module : modules) {
                NDArray[] stack = table.stacks(module);
                // Narrowed views: ranks beyond the widest served one are never multiplied.
                NDIndex slot = new NDIndex("{}", slots[0]);
                lora.factors.put(module, new NDArray[] {
                    stack[0].get(step, slot).get("..., :{}", width),
                    stack[1].get(step, slot).get("..., :{}, :", width),
                    table.outputScaled(slots[0], module)
                            ? table.outputScales(module).get(step, slot)
                            : null,
                    table.inputScaled(slots[0], module)
                            ? table.inputScales(module).get(step, slot)
                            : null
                });
            }
        } else {
            lora.factors.putAll(
                    keep ? table.gathered(slots, width, modules) : table.gather(slots, width, modules, step));
        }
        return lora;
    }

    /**
     * Adds the module's low-rank update for {@code layer} to {@code base} = x W^T in place, then scales the outputs of
     * rows whose adapter scales them (DoRA's magnitude over the merged weight's row norm, IA3's vector); x is [rows,
     * width, in].
     */
    @Override
    public NDArray apply(LoraModule module, int layer, NDArray x, NDArray base) {
        NDArray[] f = factors.get(module);
        if (f == null) {
            return base;
        }
        // A shared adapter's factors are [layers, ...] and broadcast over rows; gathered ones are [rows, layers, ...].
        boolean shared = f[0].getShape().dimension() == 3;
        NDIndex ofLayer = shared ? new NDIndex("{}", layer) : new NDIndex(":, {}", layer);
        NDArray updated =
                base.addi(x.matMul(f[0].get(step, ofLayer)).mul(coefficients).matMul(f[1].get(step, ofLayer)));
        if (f[2] == null) {
            return updated;
        }
        return updated.muli(perRow(f[2], layer, shared));
    }

    /** IA3's scale of the module's inputs x [rows, width, in] for rows whose adapter scales them; x itself otherwise. */
    @Override
    public NDArray scaleInput(LoraModule module, int layer, NDArray x) {
        NDArray[] f = factors.get(module);
        if (f == null || f[3] == null) {
            return x;
        }
        return x.mul(perRow(f[3], layer, f[0].getShape().dimension() == 3));
    }

    /**
     * A layer's scales to multiply [rows, width, n] by: a shared adapter's [n] broadcast over rows and positions; a
     * gathered [rows, n], one row's scales for each of its positions.
     */
    private NDArray perRow(NDArray scales, int layer, boolean shared) {
        NDArray ofLayer = scales.get(step, shared ? new NDIndex("{}", layer) : new NDIndex(":, {}", layer));
        return shared ? ofLayer : ofLayer.expandDims(1);
    }
}
