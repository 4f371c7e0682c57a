package io.swapgate.core.model;

/**
 * Converts query/key projection rows between the two RoPE conventions.
 *
 * <p>llama2.c and GGUF rotate adjacent pairs (2i, 2i+1) of each head; Hugging Face rotates
 * (i, i + headDim/2). Reordering the output rows of W_q and W_k per head turns one into the other,
 * which is exactly what Hugging Face's conversion script does. Swapgate keeps the Hugging Face
 * order internally so PEFT adapters (whose LoRA B rows follow it) apply unchanged.
 */
public final class RotaryLayout {

    private RotaryLayout() {}

    /** Reorders rows of an [heads * headDim, in] matrix from interleaved-pair order to half-split order. */
    public static float[] interleavedToHalves(float[] weight, int heads, int headDim, int in) {
        return permute(weight, heads, headDim, in, true);
    }

    /** The inverse of {@link #interleavedToHalves}. */
    public static float[] halvesToInterleaved(float[] weight, int heads, int headDim, int in) {
        return permute(weight, heads, headDim, in, false);
    }

    private static float[] permute(float[] weight, int heads, int headDim, int in, boolean toHalves) {
        float[] out = new float[weight.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int parity = 0; parity < 2; parity++) {
                    int interleavedRow = h * headDim + 2 * i + parity;
                    int halvesRow = h * headDim + parity * half + i;
                    int from = toHalves ? interleavedRow : halvesRow;
                    int to = toHalves ? halvesRow : interleavedRow;
                    System.arraycopy(weight, from * in, out, to * in, in);
                }
            }
        }
        return out;
    }
}
