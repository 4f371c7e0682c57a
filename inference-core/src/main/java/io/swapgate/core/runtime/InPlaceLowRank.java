package io.swapgate.core.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.swapgate.core.adapter.LoraModule;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Every row's LoRA product read straight from the slot table, with nothing gathered, by libtorch where the vector
 * kernels cannot run ({@link VectorLowRank}): the BGMV of Punica and S-LoRA written as two sparse-by-dense products.
 * Viewed as a matrix, a module's A^T stack is [slots x layers x in, rank]; the shrink of row p is then a sparse row
 * holding x_p at the columns of its slot and layer, times that matrix, and the expand is the same over the B^T stack
 * [slots x layers x rank, out] with the shrunk row's values. Each factor is read once from where the table keeps it,
 * which saves gathering (copying) every row's factors when a step's rows differ from the step before's.
 */
final class InPlaceLowRank implements InPlaceProducts {

    private final LoraSlotTable table;
    private final long[] slotOfRow;
    private final int layers;
    private final int width;
    private final NDArray coefficients;
    private final NDManager step;
    /** The step's sparse indices, shared by the modules whose inputs (or ranks) have the same width. */
    private final Map<Span, NDArray> indices = new HashMap<>();
    /** Per module, its stacks viewed as the matrices the sparse rows multiply: [slots x layers x in, width] and
     * [slots x layers x maxRank, out]. */
    private final Map<LoraModule, NDArray[]> asMatrices = new EnumMap<>(LoraModule.class);

    /**
     * @param slotOfRow the slot each of the segment's rows uses, 0 for rows without a LoRA
     * @param width the ranks multiplied, the widest any row serves
     * @param coefficients [rows, 1, width]: each row's scale over the ranks it serves, 0 beyond
     */
    InPlaceLowRank(LoraSlotTable table, long[] slotOfRow, int width, NDArray coefficients, NDManager step) {
        this.table = table;
        this.slotOfRow = slotOfRow;
        this.layers = table.layers();
        this.width = width;
        this.coefficients = coefficients;
        this.step = step;
    }

    /** Read from the module's A^T [slots, layers, in, maxRank] and B^T [slots, layers, maxRank, out] stacks. */
    @Override
    public NDArray times(LoraModule module, int layer, NDArray x) {
        NDArray[] stacks = table.stacks(module);
        Shape shape = x.getShape();
        long rows = shape.get(0);
        long tokens = shape.get(1);
        int in = Math.toIntExact(shape.get(2));
        Shape a = stacks[0].getShape();
        int maxRank = Math.toIntExact(a.get(3));
        NDArray[] matrices = asMatrices.computeIfAbsent(module, m -> new NDArray[] {
            attached(stacks[0].reshape(-1, maxRank)).get(step, new NDIndex(":, :{}", width)),
            attached(stacks[1].reshape(-1, stacks[1].getShape().get(3)))
        });
        NDArray shrunk = attached(
                sparse(new Span(tokens, in, in, layer), x.reshape(-1), a.get(0)).matMul(matrices[0]));
        NDArray scaled = shrunk.reshape(rows, tokens, width).mul(coefficients);
        NDArray expanded = attached(sparse(new Span(tokens, width, maxRank, layer), scaled.reshape(-1), a.get(0))
                .matMul(matrices[1]));
        return expanded.reshape(rows, tokens, -1);
    }

    /**
     * The entries of one layer's sparse matrix for rows of {@code tokens} positions each: per position, {@code count}
     * of the {@code perLayer} columns of its row's slot.
     */
    private record Span(long tokens, int count, int perLayer, int layer) {}

    /**
     * The sparse [positions, slots x layers x perLayer] matrix with {@code values} (span.count per position, row by row)
     * at each position's slot and layer.
     */
    private NDArray sparse(Span span, NDArray values, long slots) {
        NDArray index = indices.computeIfAbsent(span, this::index);
        return attached(JniUtils.createSparseCoo(
                (PtNDArray) index,
                (PtNDArray) values,
                new Shape(slotOfRow.length * span.tokens(), slots * layers * span.perLayer())));
    }

    /**
     * [2, positions x count]: each position's entries in its row of the matrix, at columns (slot x layers + layer) x
     * perLayer + j for j below count. Rows without a LoRA read slot 0, which holds zeros.
     */
    private NDArray index(Span span) {
        int positions = Math.toIntExact(slotOfRow.length * span.tokens());
        int entries = positions * span.count();
        long[] rowsAndColumns = new long[2 * entries];
        for (int p = 0, e = 0; p < positions; p++) {
            long first = (slotOfRow[(int) (p / span.tokens())] * layers + span.layer()) * span.perLayer();
            for (int j = 0; j < span.count(); j++, e++) {
                rowsAndColumns[e] = p;
                rowsAndColumns[entries + e] = first + j;
            }
        }
        return step.create(rowsAndColumns, new Shape(2, entries));
    }

    /**
     * {@code array} moved into the step's scope: DJL files an op's result under its first operand's manager, which for
     * a view of a stack, or a product of a sparse matrix, is not the step's.
     */
    private NDArray attached(NDArray array) {
        array.attach(step);
        return array;
    }
}
