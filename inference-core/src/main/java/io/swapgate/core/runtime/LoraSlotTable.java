package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LlamaConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Device-resident LoRA factors of many adapters, stacked so one gather by row index serves a whole batch
 * (the BGMV layout of Punica and S-LoRA). Per targeted module: A^T as [slots + 1, layers, in, maxRank] and B^T as
 * [slots + 1, layers, maxRank, out]. Slot 0 stays all zeros for rows without a LoRA; ranks below maxRank are
 * zero-padded. A module's stacks are allocated when the first adapter targeting it is written.
 *
 * <p>DoRA and IA3 adapters also get, per module, a scale per output [slots + 1, layers, out]: DoRA's m / ||W + s B
 * A||_row, computed from the base weight when the adapter is written, or IA3's learned vector; 1 for every other slot.
 * IA3 adapters that scale a module's inputs (its feed-forward modules) get a scale per input [slots + 1, layers, in].
 * Both are allocated when the first adapter needing them for the module is written, so plain LoRA serving never
 * multiplies by them.
 */
public final class LoraSlotTable implements AutoCloseable {

    private final NDManager manager;
    private final LlamaConfig config;
    private final int slots;
    private final int maxRank;
    private final DataType dataType;
    private final Map<LoraModule, NDArray[]> stacks = new EnumMap<>(LoraModule.class);
    private final Map<LoraModule, NDArray> outputScales = new EnumMap<>(LoraModule.class);
    private final Map<LoraModule, NDArray> inputScales = new EnumMap<>(LoraModule.class);
    private final List<Set<LoraModule>> modulesBySlot;
    private final List<Set<LoraModule>> outputScaledBySlot;
    private final List<Set<LoraModule>> inputScaledBySlot;
    private final BaseWeights base;
    /** Threads for the vector kernels, or null where the runtime cannot use them: then libtorch multiplies. */
    private final RowTeam vectorTeam;
    /** The stacks' memory as the vector kernels read it, per module: A^T's, then B^T's. */
    private final Map<LoraModule, ByteBuffer[]> stackMemory = new EnumMap<>(LoraModule.class);
    /** The output and input scales' memory as {@link TokenLoras} reads it, per module. */
    private final Map<LoraModule, ByteBuffer> outputScaleMemory = new EnumMap<>(LoraModule.class);

    private final Map<LoraModule, ByteBuffer> inputScaleMemory = new EnumMap<>(LoraModule.class);
    /**
     * Writes per slot. Factors gathered for a set of rows go stale only when one of the slots they use is written: a
     * write to any other slot (a tenant's cold adapter) would otherwise make the next step re-gather every steady
     * row's factors, stalling the other tenants' streams (31 steady rank-16 rows of the adapters benchmark's model:
     * +18 to +133 ms on a 65-80 ms step).
     */
    private final long[] writes;

    private Gathered gathered;
    /** The last set of rows {@link #steady} was asked for and did not gather. */
    private RowSet lastAsked;

    /** The base's weights, transposed as the runtime multiplies by them: [in, out] of a module in a layer. */
    interface BaseWeights {
        /** A view owned by {@code into}. */
        NDArray transposed(LoraModule module, int layer, NDManager into);
    }

    /** The rows of one batch as the factors gathered for them depend on: their slots, the ranks served, the modules. */
    private record RowSet(long[] slots, long[] writes, int width, Set<LoraModule> modules) {
        boolean sameAs(RowSet other) {
            return other != null
                    && java.util.Arrays.equals(writes, other.writes)
                    && width == other.width
                    && modules.equals(other.modules)
                    && java.util.Arrays.equals(slots, other.slots);
        }
    }

    /** The factors of one batch's rows, kept while decoding steps keep the same rows on the same slots. */
    private record Gathered(RowSet rows, NDManager manager, Map<LoraModule, ModuleFactors> factors) {}

    @SuppressWarnings("unchecked")
    LoraSlotTable(
            NDManager parent,
            LlamaConfig config,
            int slots,
            int maxRank,
            DataType dataType,
            BaseWeights base,
            RowTeam vectorTeam) {
        if (slots <= 0 || maxRank <= 0) {
            throw new IllegalArgumentException("a LoRA slot table needs positive slots and rank");
        }
        this.manager = parent.newSubManager();
        this.config = config;
        this.slots = slots;
        this.maxRank = maxRank;
        this.dataType = dataType;
        this.base = base;
        this.vectorTeam = vectorTeam;
        this.writes = new long[slots + 1];
        this.modulesBySlot = new ArrayList<>(slots + 1);
        this.outputScaledBySlot = new ArrayList<>(slots + 1);
        this.inputScaledBySlot = new ArrayList<>(slots + 1);
        for (int s = 0; s <= slots; s++) {
            modulesBySlot.add(EnumSet.noneOf(LoraModule.class));
            outputScaledBySlot.add(EnumSet.noneOf(LoraModule.class));
            inputScaledBySlot.add(EnumSet.noneOf(LoraModule.class));
        }
    }

    /** The model's layers, each with its own factors in every slot. */
    int layers() {
        return config.layers();
    }

    /** Slots usable by adapters: 1 .. slots. */
    public int slots() {
        return slots;
    }

    /** Uploads the adapter's factors into {@code slot}, replacing whatever was there. */
    public void write(int slot, LoraAdapter adapter) {
        if (slot < 1 || slot > slots) {
            throw new IllegalArgumentException("slot " + slot + " outside 1.." + slots);
        }
        if (adapter.rank() > maxRank) {
            throw new IllegalArgumentException("rank " + adapter.rank() + " exceeds the slot table's " + maxRank);
        }
        Set<LoraModule> previous = modulesBySlot.get(slot);
        Set<LoraModule> outputScaled = EnumSet.noneOf(LoraModule.class);
        Set<LoraModule> inputScaled = EnumSet.noneOf(LoraModule.class);
        for (LoraModule module : LoraModule.values()) {
            LoraAdapter.LayerFactors[] layers = adapter.modules().get(module);
            if (layers != null) {
                upload(slot, module, layers, adapter.rank());
                if (has(layers, LoraAdapter.LayerFactors::magnitude)) {
                    writeDoraScales(slot, module, layers, adapter.rank(), adapter.scale(adapter.rank()));
                    outputScaled.add(module);
                }
                if (has(layers, LoraAdapter.LayerFactors::outputScale)) {
                    writeScales(outputScales, slot, module, layers, LoraAdapter.LayerFactors::outputScale);
                    outputScaled.add(module);
                }
                if (has(layers, LoraAdapter.LayerFactors::inputScale)) {
                    writeScales(inputScales, slot, module, layers, LoraAdapter.LayerFactors::inputScale);
                    inputScaled.add(module);
                }
            } else if (previous.contains(module)) {
                clear(slot, module);
            }
            if (!outputScaled.contains(module) && outputScaledBySlot.get(slot).contains(module)) {
                outputScales.get(module).set(new NDIndex("{}", slot), 1);
            }
            if (!inputScaled.contains(module) && inputScaledBySlot.get(slot).contains(module)) {
                inputScales.get(module).set(new NDIndex("{}", slot), 1);
            }
        }
        modulesBySlot.set(slot, EnumSet.copyOf(adapter.modules().keySet()));
        outputScaledBySlot.set(slot, outputScaled);
        inputScaledBySlot.set(slot, inputScaled);
        writes[slot]++;
    }

    private static boolean has(
            LoraAdapter.LayerFactors[] layers, java.util.function.Function<LoraAdapter.LayerFactors, Object> part) {
        for (LoraAdapter.LayerFactors f : layers) {
            if (f != null && part.apply(f) != null) {
                return true;
            }
        }
        return false;
    }

    /** IA3's learned scales of a module into {@code slot} of {@code table} (1 for layers without them). */
    private void writeScales(
            Map<LoraModule, NDArray> table,
            int slot,
            LoraModule module,
            LoraAdapter.LayerFactors[] layers,
            java.util.function.Function<LoraAdapter.LayerFactors, FloatTensor> part) {
        int width = table == inputScales ? module.inputs(config) : module.outputs(config);
        NDArray scales = table.computeIfAbsent(
                module, m -> manager.ones(new Shape(slots + 1, config.layers(), width), dataType));
        float[] values = new float[config.layers() * width];
        java.util.Arrays.fill(values, 1f);
        for (int l = 0; l < config.layers(); l++) {
            if (layers[l] != null && part.apply(layers[l]) != null) {
                System.arraycopy(part.apply(layers[l]).data(), 0, values, l * width, width);
            }
        }
        try (NDManager upload = manager.newSubManager()) {
            scales.set(
                    new NDIndex("{}", slot),
                    upload.create(values, new Shape(config.layers(), width)).toType(dataType, false));
        }
    }

    /** m / ||W + s B A||_row per layer (1 where a layer has no factors), from the base weight, in float32. */
    private void writeDoraScales(int slot, LoraModule module, LoraAdapter.LayerFactors[] layers, int rank, float s) {
        int in = module.inputs(config);
        int out = module.outputs(config);
        NDArray scales = outputScales.computeIfAbsent(
                module, m -> manager.ones(new Shape(slots + 1, config.layers(), out), dataType));
        try (NDManager work = manager.newSubManager()) {
            NDArray perLayer = work.ones(new Shape(config.layers(), out), DataType.FLOAT32);
            for (int l = 0; l < config.layers(); l++) {
                LoraAdapter.LayerFactors f = layers[l];
                if (f == null || f.magnitude() == null) {
                    continue;
                }
                NDArray a = work.create(f.a().data(), new Shape(rank, in));
                NDArray b = work.create(f.b().data(), new Shape(out, rank));
                NDArray weightT = base.transposed(module, l, work).toType(DataType.FLOAT32, false);
                NDArray merged = weightT.add(a.transpose().matMul(b.transpose()).mul(s));
                NDArray norms = merged.square().sum(new int[] {0}).sqrt();
                perLayer.set(
                        new NDIndex("{}", l), work.create(f.magnitude().data()).div(norms));
            }
            scales.set(new NDIndex("{}", slot), perLayer.toType(dataType, false));
        }
    }

    private void upload(int slot, LoraModule module, LoraAdapter.LayerFactors[] layers, int rank) {
        int in = module.inputs(config);
        int out = module.outputs(config);
        int layerCount = config.layers();
        float[] aT = new float[layerCount * in * maxRank];
        float[] bT = new float[layerCount * maxRank * out];
        for (int l = 0; l < layerCount; l++) {
            if (layers[l] == null) {
                continue;
            }
            float[] a = layers[l].a().data();
            float[] b = layers[l].b().data();
            for (int j = 0; j < rank; j++) {
                for (int i = 0; i < in; i++) {
                    aT[(l * in + i) * maxRank + j] = a[j * in + i];
                }
                for (int o = 0; o < out; o++) {
                    bT[(l * maxRank + j) * out + o] = b[o * rank + j];
                }
            }
        }
        NDArray[] stack = stack(module);
        try (NDManager upload = manager.newSubManager()) {
            stack[0].set(
                    new NDIndex("{}", slot),
                    upload.create(aT, new Shape(layerCount, in, maxRank)).toType(dataType, false));
            stack[1].set(
                    new NDIndex("{}", slot),
                    upload.create(bT, new Shape(layerCount, maxRank, out)).toType(dataType, false));
        }
    }

    /** The output scales (DoRA's, IA3's) of a module, or null when no adapter ever needed them. */
    NDArray outputScales(LoraModule module) {
        return outputScales.get(module);
    }

    /** Whether the adapter in {@code slot} scales the outputs of {@code module} (DoRA, IA3). */
    boolean outputScaled(long slot, LoraModule module) {
        return outputScaledBySlot.get((int) slot).contains(module);
    }

    /** IA3's input scales of a module, or null when no adapter ever needed them. */
    NDArray inputScales(LoraModule module) {
        return inputScales.get(module);
    }

    /** Whether the adapter in {@code slot} scales the inputs of {@code module} (an IA3 feed-forward module). */
    boolean inputScaled(long slot, LoraModule module) {
        return inputScaledBySlot.get((int) slot).contains(module);
    }

    private void clear(int slot, LoraModule module) {
        NDArray[] stack = stacks.get(module);
        stack[0].set(new NDIndex("{}", slot), 0);
        stack[1].set(new NDIndex("{}", slot), 0);
    }

    private NDArray[] stack(LoraModule module) {
        return stacks.computeIfAbsent(module, m -> new NDArray[] {
            manager.zeros(new Shape(slots + 1, config.layers(), m.inputs(config), maxRank), dataType),
            manager.zeros(new Shape(slots + 1, config.layers(), maxRank, m.outputs(config)), dataType)
        });
    }

    /** The modules the adapter in {@code slot} targets (empty for slot 0). */
    Set<LoraModule> modulesOf(int slot) {
        return modulesBySlot.get(slot);
    }

    /**
     * Per module, the A^T [rows, layers, in, width] and B^T [rows, layers, width, out] of the slots the rows use,
     * narrowed to {@code width} ranks, with their scales as {@link #scales} gives them; or null. Gathering copies every
     * row's factors (for rank 64 and 32 rows of a 512-dim model, about 270 MB), which pays when the copy serves many
     * steps. So unless {@code atFirstSight} (for a copy cheap enough to risk), a set of rows is gathered, and kept, only
     * when it is asked for in two steps running (steady decoding); the first time, and whenever a step's rows differ
     * from the step before's, this returns null and the caller serves the step without keeping anything. What it
     * returns stays valid until the next call with other rows or a write into one of their slots, so a step asks for at
     * most one set of rows here.
     */
    Map<LoraModule, ModuleFactors> steady(long[] slots, int width, Set<LoraModule> modules, boolean atFirstSight) {
        long[] slotWrites = new long[slots.length];
        for (int r = 0; r < slots.length; r++) {
            slotWrites[r] = writes[Math.toIntExact(slots[r])];
        }
        RowSet rows = new RowSet(slots.clone(), slotWrites, width, EnumSet.copyOf(modules));
        Gathered last = gathered;
        if (last != null && last.rows().sameAs(rows)) {
            return last.factors();
        }
        if (!atFirstSight && !rows.sameAs(lastAsked)) {
            lastAsked = rows;
            return null;
        }
        dropGathered();
        NDManager scope = manager.newSubManager();
        Map<LoraModule, ModuleFactors> factors = gather(slots, width, modules, scope);
        gathered = new Gathered(rows, scope, factors);
        return factors;
    }

    /** What {@link #steady} hands out, gathered into {@code scope} and not kept. */
    Map<LoraModule, ModuleFactors> gather(long[] slots, int width, Set<LoraModule> modules, NDManager scope) {
        NDArray index = scope.create(slots);
        Map<LoraModule, ModuleFactors> factors = scales(slots, modules, scope);
        for (LoraModule module : modules) {
            NDArray[] stack = stacks.get(module);
            // Narrowed views: ranks beyond the widest served one are never multiplied.
            factors.put(
                    module,
                    factors.get(module)
                            .withFactors(
                                    RowGather.rows(stack[0], index, scope).get("..., :{}", width),
                                    RowGather.rows(stack[1], index, scope).get("..., :{}, :", width)));
        }
        return factors;
    }

    /**
     * Per module, the output scales [rows, layers, out] and input scales [rows, layers, in] of the slots the rows use,
     * gathered into {@code scope}, without factors (see {@link ModuleFactors}).
     */
    Map<LoraModule, ModuleFactors> scales(long[] slots, Set<LoraModule> modules, NDManager scope) {
        NDArray index = scope.create(slots);
        Map<LoraModule, ModuleFactors> scales = new EnumMap<>(LoraModule.class);
        for (LoraModule module : modules) {
            boolean anyOutput = java.util.Arrays.stream(slots).anyMatch(slot -> outputScaled(slot, module));
            boolean anyInput = java.util.Arrays.stream(slots).anyMatch(slot -> inputScaled(slot, module));
            scales.put(
                    module,
                    new ModuleFactors(
                            null,
                            null,
                            anyOutput ? RowGather.rows(outputScales.get(module), index, scope) : null,
                            anyInput ? RowGather.rows(inputScales.get(module), index, scope) : null));
        }
        return scales;
    }

    /** Frees the factors {@link #steady} keeps (when the batch they served is gone). */
    public void dropGathered() {
        if (gathered != null) {
            gathered.manager().close();
            gathered = null;
        }
    }

    /**
     * The rows' products read from the stacks in place by the vector kernels, or null where libtorch must multiply
     * them: the runtime cannot use the kernels, or a stack is too large for one buffer.
     *
     * @param coefficients per row, its scale over each of the {@code width} ranks multiplied (0 past its own)
     */
    VectorLowRank onVectors(long[] slots, int width, float[] coefficients, Set<LoraModule> modules, NDManager step) {
        return readableOnVectors(modules)
                ? new VectorLowRank(this, slots, width, coefficients, vectorTeam, step)
                : null;
    }

    /**
     * A module's A^T [slots, layers, in, maxRank] and B^T [slots, layers, maxRank, out] stacks as buffers over their
     * memory (the stacks never move: writes go into them in place).
     */
    ByteBuffer[] stackMemory(LoraModule module) {
        return stackMemory.computeIfAbsent(module, m -> {
            NDArray[] stack = stacks.get(m);
            return new ByteBuffer[] {stack[0].toByteBuffer(true), stack[1].toByteBuffer(true)};
        });
    }

    /**
     * Whether the vector kernels can serve {@code slot}'s adapter a row at a time ({@link TokenLoras}): they can run
     * and its stacks fit buffers.
     */
    boolean servesOnVectors(int slot) {
        return slot >= 1 && slot <= slots && readableOnVectors(modulesOf(slot));
    }

    /** Whether the runtime can use the vector kernels and every one of these modules' stacks fits a buffer. */
    private boolean readableOnVectors(Set<LoraModule> modules) {
        if (vectorTeam == null) {
            return false;
        }
        for (LoraModule module : modules) {
            NDArray[] stack = stacks.get(module);
            if (!VectorSupport.addressable(stack[0]) || !VectorSupport.addressable(stack[1])) {
                return false;
            }
        }
        return true;
    }

    /** Where {@code layer} of {@code slot} sits along the first two axes of the stacks and scales, flattened. */
    int block(int slot, int layer) {
        return slot * config.layers() + layer;
    }

    /** A module's output scales [slots, layers, out] as a buffer over their memory (written in place, never moved). */
    ByteBuffer outputScaleMemory(LoraModule module) {
        return outputScaleMemory.computeIfAbsent(
                module, m -> outputScales.get(m).toByteBuffer(true));
    }

    /** A module's input scales [slots, layers, in] as a buffer over their memory. */
    ByteBuffer inputScaleMemory(LoraModule module) {
        return inputScaleMemory.computeIfAbsent(module, m -> inputScales.get(m).toByteBuffer(true));
    }

    int inputs(LoraModule module) {
        return module.inputs(config);
    }

    int outputs(LoraModule module) {
        return module.outputs(config);
    }

    /** The ranks each slot's factors have room for: the stride of A^T's rows, the rows of B^T per layer. */
    int maxRank() {
        return maxRank;
    }

    /** A^T and B^T stacks of a module, or null when no adapter ever targeted it. */
    NDArray[] stacks(LoraModule module) {
        return stacks.get(module);
    }

    @Override
    public void close() {
        manager.close();
    }
}
