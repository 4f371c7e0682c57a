package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;

/**
 * TempNet: a small network that predicts each decoding step's sampling temperature,
 * tau = tauMin + (tauMax - tauMin) · sigmoid(w2 · relu(W1 z + b1) + b2), from the step's logits or final hidden state z.
 *
 * @param rho the DRO radius it was trained with; NaN when it was trained for calibration (or the file does not say)
 */
public record TempNetAdapter(
        AdapterIdentity identity,
        Input input,
        float tauMin,
        float tauMax,
        float rho,
        FloatTensor fc1Weight,
        FloatTensor fc1Bias,
        FloatTensor fc2Weight,
        FloatTensor fc2Bias)
        implements Adapter {

    /** What the network reads. */
    public enum Input {
        LOGITS,
        HIDDEN
    }

    public int hiddenSize() {
        return fc1Weight.shape()[0];
    }

    public int inputSize() {
        return fc1Weight.shape()[1];
    }

    /** The temperature for one step; {@code z} is the step's logits or hidden state (per {@link #input}). */
    public float temperature(float[] z) {
        float[] w1 = fc1Weight.data();
        float[] b1 = fc1Bias.data();
        float[] w2 = fc2Weight.data();
        int in = inputSize();
        double out = fc2Bias.data()[0];
        for (int h = 0; h < hiddenSize(); h++) {
            double sum = b1[h];
            int row = h * in;
            for (int i = 0; i < in; i++) {
                sum += w1[row + i] * z[i];
            }
            out += w2[h] * Math.max(0, sum);
        }
        double sigmoid = 1 / (1 + Math.exp(-out));
        return (float) (tauMin + (tauMax - tauMin) * sigmoid);
    }

    @Override
    public AdapterKind kind() {
        return AdapterKind.TEMPNET;
    }

    @Override
    public long bytes() {
        return 4L * (fc1Weight.data().length + fc1Bias.data().length + fc2Weight.data().length + fc2Bias.data().length);
    }
}
