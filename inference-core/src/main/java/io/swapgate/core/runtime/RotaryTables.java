package io.swapgate.core.runtime;

import io.swapgate.core.model.LlamaConfig;

/**
 * cos and sin of RoPE angles for every position and frequency, in float32 as the reference implementations
 * compute them: angle = position * theta^(-2i/headDim), with Llama 3 frequency scaling when configured.
 */
final class RotaryTables {

    final float[] cos;
    final float[] sin;

    RotaryTables(LlamaConfig config, int positions) {
        int half = config.headDim() / 2;
        float[] frequencies = frequencies(config);
        cos = new float[positions * half];
        sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * frequencies[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    static float[] frequencies(LlamaConfig config) {
        int headDim = config.headDim();
        float[] frequencies = new float[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2 * i) / (float) headDim));
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
        return frequencies;
    }
}
