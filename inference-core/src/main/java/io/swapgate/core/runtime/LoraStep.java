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
 * One step's LoRA products, in one of three ways. When every row uses the same adapter, its slot's own factors are
 * used (views, no copy). When the rows use several, each row's factors are gathered from the slot table once, A^T as
 * [rows, layers, in, r] and B^T as [rows, layers, r, out], and kept for the following steps while the same decoding
 * rows come back ({@link LoraSlotTable#steady}). Below rank {@value #IN_PLACE_FROM_RANK} that copy is cheap: a set of
 * decoding rows is kept from its first step. From it on, a set is kept only once it comes back a second step running.
 * Rows not kept are read straight from the table: on the vector kernels where the runtime can use them
 * ({@link VectorLowRank}), else as libtorch's sparse products from rank {@value #IN_PLACE_FROM_RANK} on
 * ({@link InPlaceLowRank}) and gathered for their step alone below it. Here r is the largest rank any row of the step
 * serves; per layer and module the update is ((x A^T) * c) B^T, c holding each row's scale over its served rank and
 * zero beyond it.
 */
final class LoraStep implements LoraUpdate {

    /**
     * The widest served rank from which rows not (yet) kept are served in place rather than by gathering their factors,
     * where libtorch multiplies them. The sparse products cost about the same per entry at any rank, while a gather's
     * copy grows with it: 32 rows of a 512-dim model with 8 layers cost the same both ways at rank 32; gathering took
     * half the time at rank 8 and twice as long at rank 64.
     */
    static final int IN_PLACE_FROM_RANK = 32;

    private final Map<LoraModule, ModuleFactors> factors;

    private final NDArray coefficients;
    /** The step's scope: per-layer views of factors kept across steps must not pile up in the table's manager. */
    private final NDManager step;
    /** Reads the rows' factors from the table when they are not at hand; null when they are. */
    private final InPlaceProducts inPlace;

    private LoraStep(
            Map<LoraModule, ModuleFactors> factors, NDArray coefficients, NDManager step, InPlaceProducts inPlace) {
        this.factors = factors;
        this.coefficients = coefficients;
        this.step = step;
        this.inPlace = inPlace;
    }

    /**
     * The rows' LoRA products for one step, or null when no row uses a LoRA. With {@code keep} the rows' gathered
     * factors may be kept in the table for the next steps (one set of rows at a time, the decoding rows: see
     * {@link LoraSlotTable#steady}); without, they never are.
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
        NDArray c = step.create(coefficients, new Shape(rows.size(), 1, width)).toType(dataType, false);
        if (java.util.Arrays.stream(slots).distinct().count() == 1) {
            return new LoraStep(shared(table, slots[0], width, modules, step), c, step, null);
        }
        boolean cheapToCopy = width < IN_PLACE_FROM_RANK;
        Map<LoraModule, ModuleFactors> steady = keep ? table.steady(slots, width, modules, cheapToCopy) : null;
        if (steady != null) {
            return new LoraStep(steady, c, step, null);
        }
        InPlaceProducts onVectors = table.onVectors(slots, width, coefficients, modules, step);
        if (onVectors != null) {
            return new LoraStep(table.scales(slots, modules, step), c, step, onVectors);
        }
        if (cheapToCopy) {
            return new LoraStep(table.gather(slots, width, modules, step), c, step, null);
        }
        return new LoraStep(
                table.scales(slots, modules, step), c, step, new InPlaceLowRank(table, slots, width, c, step));
    }

    /** The one slot's factors, narrowed to {@code width} ranks, and scales: views of the table's stacks. */
    private static Map<LoraModule, ModuleFactors> shared(
            LoraSlotTable table, long slot, int width, Set<LoraModule> modules, NDManager step) {
        Map<LoraModule, ModuleFactors> factors = new EnumMap<>(LoraModule.class);
        NDIndex ofSlot = new NDIndex("{}", slot);
        for (LoraModule module : modules) {
            NDArray[] stack = table.stacks(module);
            factors.put(
                    module,
                    new ModuleFactors(
                            stack[0].get(step, ofSlot).get("..., :{}", width),
                            stack[1].get(step, ofSlot).get("..., :{}, :", width),
                            table.outputScaled(slot, module)
                                    ? table.outputScales(module).get(step, ofSlot)
                                    : null,
                            table.inputScaled(slot, module)
                                    ? table.inputScales(module).get(step, ofSlot)
                                    : null));
        }
        return factors;
    }

    /**
     * Adds the module's low-rank update for {@code layer} to {@code base} = x W^T in place, then scales the outputs of
     * rows whose adapter scales them (DoRA's magnitude over the merged weight's row norm, IA3's vector); x is [rows,
     * width, in].
     */
    @Override
    public NDArray apply(LoraModule module, int layer, NDArray x, NDArray base) {
        ModuleFactors f = factors.get(module);
        if (f == null) {
            return base;
        }
        NDArray updated = base.addi(f.inPlace() ? inPlace.times(module, layer, x) : stacked(f, layer, x));
        return f.outputScales() == null ? updated : updated.muli(perRow(f.outputScales(), layer));
    }

    /** ((x A^T) * c) B^T with factors at hand, shared or gathered. */
    private NDArray stacked(ModuleFactors f, int layer, NDArray x) {
        // A shared adapter's factors are [layers, ...] and broadcast over rows; gathered ones are [rows, layers, ...].
        NDIndex ofLayer = f.aT().getShape().dimension() == 3 ? new NDIndex("{}", layer) : new NDIndex(":, {}", layer);
        return x.matMul(f.aT().get(step, ofLayer)).mul(coefficients).matMul(f.bT().get(step, ofLayer));
    }

    /** IA3's scale of the module's inputs x [rows, width, in] for rows whose adapter scales them; x itself otherwise. */
    @Override
    public NDArray scaleInput(LoraModule module, int layer, NDArray x) {
        ModuleFactors f = factors.get(module);
        if (f == null || f.inputScales() == null) {
            return x;
        }
        return x.mul(perRow(f.inputScales(), layer));
    }

    /**
     * A layer's scales to multiply [rows, width, n] by: a shared adapter's [layers, n] as [n], broadcast over rows and
     * positions; gathered [rows, layers, n] as [rows, 1, n], one row's scales for each of its positions.
     */
    private NDArray perRow(NDArray scales, int layer) {
        boolean shared = scales.getShape().dimension() == 2;
        NDArray ofLayer = scales.get(step, shared ? new NDIndex("{}", layer) : new NDIndex(":, {}", layer));
        return shared ? ofLayer : ofLayer.expandDims(1);
    }
}
