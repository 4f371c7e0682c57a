package io.swapgate.core.runtime;

import io.swapgate.core.model.LlamaConfig;

/**
 * cos and sin of RoPE angles for every position and frequency, in float32 as the reference implementations
 * compute them: angle = position * theta^(-2i/headDim), with Llama 3 frequency scaling when configured. Each
 * position's row holds them twice, once per half of a head, so that rotate-half RoPE is two products and a sum:
 * x * cos + halfTurn(x) * sin.
 */
final class RotaryTables {

    final float[] cos;
    final float[] sin;

    /** The tables of sliding-window layers ({@code sliding}), which Gemma 3 rotates with a base of their own, or of the rest. */
    RotaryTables(LlamaConfig config, int positions, boolean sliding) {
        int headDim = config.headDim();
        int half = headDim / 2;
        float[] frequencies = frequencies(config, sliding);
        cos = new float[positions * headDim];
        sin = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * frequencies[i];
                cos[p * headDim + i] = cos[p * headDim + half + i] = (float) Math.cos(angle);
                sin[p * headDim + i] = sin[p * headDim + half + i] = (float) Math.sin(angle);
            }
        }
    }

    /**
     * The [headDim, headDim] matrix H with x H = (-b, a) for a head x = (a, b): one matrix product in place of two
     * slices, a negation and a concatenation per rotation (each one more call into libtorch per layer and step).
     * Exact: every output is one input times 1 or -1 plus zeros.
     */
    static float[] halfTurn(int headDim) {
        int half = headDim / 2;
        float[] turn = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            turn[(half + i) * headDim + i] = -1; // output i takes -b[i]
            turn[i * headDim + half + i] = 1; // output half + i takes a[i]
        }
        return turn;
    }

    /** Whether sliding-window layers rotate differently from the others (Gemma 3's local base, its linear scaling). */
    static boolean slidingDiffers(LlamaConfig config) {
        LlamaConfig.Gemma gemma = config.gemma();
        return gemma != null && (gemma.localRopeTheta() != config.ropeTheta() || gemma.ropeLinearFactor() != 1);
    }

    static float[] frequencies(LlamaConfig config, boolean sliding) {
        int headDim = config.headDim();
        LlamaConfig.Gemma gemma = config.gemma();
        double theta = sliding && gemma != null ? gemma.localRopeTheta() : config.ropeTheta();
        // Linear scaling divides positions, which is dividing every frequency; Gemma 3 scales its global layers only.
        double linear = sliding || gemma == null ? 1 : gemma.ropeLinearFactor();
        float[] frequencies = new float[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = (float) (1.0 / Math.pow(theta, (2 * i) / (float) headDim) / linear);
        }
        LlamaConfig.RopeScaling scaling = config.ropeScaling();
        if (scaling != null) {
            double lowWavelength = scaling.originalContextLength() / scaling.lowFreqFactor();
            double highWavelength = scaling.originalContextLength() / scaling.highFreqFactor();
            for (int i = 0; i < frequencies.length; i++) {
                double wavelength = 2 * Math.PI / frequencies[i];
                if (wavelength > lowWavelength) {
                    frequencies[i] /= scaling.factor();
                } else if (wavelength >= highWavelength) {
                    double smooth = (scaling.originalContextLength() / wavelength - scaling.lowFreqFactor())
                            / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                    frequencies[i] =
                            (float) ((1 - smooth) * frequencies[i] / scaling.factor() + smooth * frequencies[i]);
                }
            }
        }
        if (config.ropeFrequencyFactors() != null && !sliding) {
            for (int i = 0; i < frequencies.length; i++) {
                frequencies[i] /= config.ropeFrequencyFactors().get(i);
            }
        }
        return frequencies;
    }
}
