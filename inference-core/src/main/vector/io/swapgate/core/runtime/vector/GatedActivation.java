package io.swapgate.core.runtime.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** SwiGLU's activation on the JDK's vector API: silu(gate) * up, as a Llama feed-forward feeds its down projection. */
public final class GatedActivation {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private GatedActivation() {}

    /**
     * For each of {@code rows} rows of {@code gateUp} [rows, 2 hidden] (the gate's outputs, then up's), writes
     * gate * sigmoid(gate) * up into {@code out} [rows, hidden].
     */
    public static void swiGlu(float[] gateUp, int hidden, int rows, float[] out) {
        int lanes = SPECIES.length();
        int narrow = hidden - hidden % lanes;
        for (int r = 0; r < rows; r++) {
            int gate = 2 * r * hidden;
            int up = gate + hidden;
            int target = r * hidden;
            int c = 0;
            for (; c < narrow; c += lanes) {
                FloatVector g = FloatVector.fromArray(SPECIES, gateUp, gate + c);
                g.div(g.neg().lanewise(VectorOperators.EXP).add(1f))
                        .mul(FloatVector.fromArray(SPECIES, gateUp, up + c))
                        .intoArray(out, target + c);
            }
            for (; c < hidden; c++) {
                float g = gateUp[gate + c];
                out[target + c] = g / (1f + (float) Math.exp(-g)) * gateUp[up + c];
            }
        }
    }
}
