package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;
import java.util.EnumMap;
import java.util.Map;

/**
 * Low-rank updates y = W x + s · B (A x) for some linear layers of the base. A DyLoRA adapter (nested ranks)
 * may be served at any rank in its range: only the first b rows of A and columns of B are used, with s = alpha / b.
 * A DoRA adapter (PEFT's {@code use_dora}) also has a magnitude m per output of each adapted layer: y = m / ||W + s B
 * A||_row ⊙ (W x + s B A x), the row norms taken of the merged weight. An IA3 adapter (PEFT's {@code IA3}) learns
 * vectors only: y = l ⊙ (W x) for most modules, y = W (l ⊙ x) for its feed-forward ones; it is served as a rank-1 LoRA
 * of zeros with those scales, so it shares every LoRA path.
 *
 * @param modules per targeted module, the factors of each layer ({@code null} for layers it leaves alone)
 * @param dyLora the trained rank range, or null for a plain LoRA (served at its full rank only)
 */
public record LoraAdapter(
        AdapterIdentity identity,
        int rank,
        float alpha,
        boolean rsLora,
        RankRange dyLora,
        Map<LoraModule, LayerFactors[]> modules)
        implements Adapter {

    public LoraAdapter {
        modules = new EnumMap<>(modules);
    }

    /**
     * A and B of one layer: A [rank, in], B [out, rank]; DoRA's magnitude [out], or null; IA3's scale of the outputs
     * [out] or of the inputs [in], or null.
     */
    public record LayerFactors(
            FloatTensor a, FloatTensor b, FloatTensor magnitude, FloatTensor outputScale, FloatTensor inputScale) {

        public LayerFactors(FloatTensor a, FloatTensor b) {
            this(a, b, null, null, null);
        }

        public LayerFactors(FloatTensor a, FloatTensor b, FloatTensor magnitude) {
            this(a, b, magnitude, null, null);
        }

        /** An IA3 layer: zero factors of rank 1 and its scale of the module's inputs or, if not, its outputs. */
        public static LayerFactors ia3(FloatTensor scale, boolean scalesInputs, int in, int out) {
            return new LayerFactors(
                    new FloatTensor("a", new int[] {1, in}, new float[in]),
                    new FloatTensor("b", new int[] {out, 1}, new float[out]),
                    null,
                    scalesInputs ? null : scale,
                    scalesInputs ? scale : null);
        }
    }

    /** Whether it is an IA3 adapter: its layers carry scales instead of factors. */
    public boolean ia3() {
        for (LayerFactors[] layers : modules.values()) {
            for (LayerFactors f : layers) {
                if (f != null && (f.outputScale() != null || f.inputScale() != null)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether it is a DoRA adapter: its layers carry magnitudes. */
    public boolean dora() {
        for (LayerFactors[] layers : modules.values()) {
            for (LayerFactors f : layers) {
                if (f != null && f.magnitude() != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** DyLoRA's trained rank range. */
    public record RankRange(int min, int max) {}

    @Override
    public AdapterKind kind() {
        return AdapterKind.LORA;
    }

    @Override
    public long bytes() {
        long values = 0;
        for (LayerFactors[] layers : modules.values()) {
            for (LayerFactors f : layers) {
                if (f != null) {
                    values += f.a().data().length + f.b().data().length;
                    values += f.magnitude() == null ? 0 : f.magnitude().data().length;
                    values += f.outputScale() == null ? 0 : f.outputScale().data().length;
                    values += f.inputScale() == null ? 0 : f.inputScale().data().length;
                }
            }
        }
        return 4 * values;
    }

    /** The smallest rank it may be served at: a DyLoRA's lower bound, 0 for a plain LoRA. */
    public int minRank() {
        return dyLora == null ? 0 : dyLora.min();
    }

    /** The scale s applied at the given served rank. */
    public float scale(int servedRank) {
        return (float) (rsLora ? alpha / Math.sqrt(servedRank) : alpha / servedRank);
    }

    /**
     * The rank to serve for a request that asked for {@code requested} (0: the default, the full rank).
     *
     * @throws IllegalArgumentException when the adapter cannot be served at that rank
     */
    public int servedRank(int requested) {
        if (requested == 0 || requested == rank) {
            return rank;
        }
        if (dyLora == null) {
            throw new IllegalArgumentException("adapter " + identity.name() + " is a plain LoRA of rank " + rank
                    + "; only DyLoRA adapters can be served at another rank (asked for " + requested + ")");
        }
        if (requested < dyLora.min() || requested > dyLora.max()) {
            throw new IllegalArgumentException("adapter " + identity.name() + " serves ranks " + dyLora.min() + " to "
                    + dyLora.max() + ", asked for " + requested);
        }
        return requested;
    }
}
