package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.adapter.LoraModule;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.EnumMap;
import java.util.Map;

/**
 * One step's LoRA factors, gathered from the slot table once per module for all layers: A^T as
 * [rows, layers, in, r] already multiplied by each row's scale and rank mask, B^T as [rows, layers, r, out], with r
 * the largest rank any row of the step serves. The per-layer work is then two batched products per module.
 */
final class LoraStep {

    private final Map<LoraModule, NDArray[]> gathered = new EnumMap<>(LoraModule.class);

    private LoraStep() {}

    /** Gathers the rows' factors, or returns null when no row of the step uses a LoRA. */
    static LoraStep gather(LoraSlotTable table, ForwardBatch batch, NDManager step, DataType dataType) {
        List<ForwardBatch.Row> rows = batch.rows();
        int width = rows.stream().filter(r -> r.lora() != null).mapToInt(r -> r.lora().rank()).max().orElse(0);
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
        NDArray slotIndex = step.create(slots);
        NDArray scale = step.create(coefficients, new Shape(rows.size(), 1, 1, width)).toType(dataType, false);
        LoraStep lora = new LoraStep();
        for (LoraModule module : modules) {
            NDArray[] stack = table.stacks(module);
            NDArray a = stack[0].get(step, new NDIndex("{}, :, :, :{}", slotIndex, width)).mul(scale);
            NDArray b = stack[1].get(step, new NDIndex("{}, :, :{}, :", slotIndex, width));
            lora.gathered.put(module, new NDArray[] {a, b});
        }
        return lora;
    }

    /** Adds the module's low-rank update for {@code layer} to {@code base} = x W^T; x is [rows, width, in]. */
    NDArray apply(LoraModule module, int layer, NDArray x, NDArray base) {
        NDArray[] factors = gathered.get(module);
        if (factors == null) {
            return base;
        }
        NDIndex ofLayer = new NDIndex(":, {}", layer);
        return base.add(x.matMul(factors[0].get(ofLayer)).matMul(factors[1].get(ofLayer)));
    }
}
