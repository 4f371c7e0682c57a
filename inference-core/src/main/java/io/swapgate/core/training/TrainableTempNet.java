package io.swapgate.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.runtime.OwnedScalar;
import java.util.SplittableRandom;

/** TempNet: tau = tauMin + (tauMax − tauMin) · sigmoid(fc2(relu(fc1 z))), z the step's logits or hidden state. */
final class TrainableTempNet implements Trainable {

    private final ParameterSet parameters;
    private final TempNetAdapter.Input input;
    private final float tauMin;
    private final float tauMax;
    private float rho;
    private final NDArray fc1Weight;
    private final NDArray fc1Bias;
    private final NDArray fc2Weight;
    private final NDArray fc2Bias;

    private TrainableTempNet(
            Device device,
            TempNetAdapter.Input input,
            float tauMin,
            float tauMax,
            float rho,
            float[][] values,
            int hidden,
            int in) {
        this.parameters = new ParameterSet(device);
        this.input = input;
        this.tauMin = tauMin;
        this.tauMax = tauMax;
        this.rho = rho;
        this.fc1Weight = parameters.add(values[0], hidden, in);
        this.fc1Bias = parameters.add(values[1], hidden);
        this.fc2Weight = parameters.add(values[2], 1, hidden);
        this.fc2Bias = parameters.add(values[3], 1);
    }

    /** A new network whose output starts near tau = 1 (the base model's own distribution), wherever z is. */
    static TrainableTempNet fresh(Device device, TrainingConfig config, int in, SplittableRandom random) {
        int hidden = config.tempNetHidden();
        float[] w1 = uniform(random, hidden * in, 1 / Math.sqrt(in));
        float[] w2 = uniform(random, hidden, 0.01);
        double start = (1 - config.tauMin()) / (config.tauMax() - config.tauMin());
        float[] b2 = {(float) Math.log(start / (1 - start))};
        return new TrainableTempNet(
                device,
                config.tempNetInput(),
                config.tauMin(),
                config.tauMax(),
                config.rho(),
                new float[][] {w1, new float[hidden], w2, b2},
                hidden,
                in);
    }

    static TrainableTempNet from(Device device, TempNetAdapter adapter) {
        return new TrainableTempNet(
                device,
                adapter.input(),
                adapter.tauMin(),
                adapter.tauMax(),
                adapter.rho(),
                new float[][] {
                    adapter.fc1Weight().data().clone(),
                    adapter.fc1Bias().data().clone(),
                    adapter.fc2Weight().data().clone(),
                    adapter.fc2Bias().data().clone()
                },
                adapter.hiddenSize(),
                adapter.inputSize());
    }

    private static float[] uniform(SplittableRandom random, int count, double bound) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return values;
    }

    TempNetAdapter.Input input() {
        return input;
    }

    /** The DRO radius this run trains with (NaN for the calibration objective), written into the exported adapter. */
    void trainWithRho(float trainedRho) {
        this.rho = trainedRho;
    }

    /** Temperatures [n, 1] for inputs z [n, in]. */
    NDArray temperatures(NDArray z) {
        NDArray hidden = Activation.relu(z.matMul(fc1Weight.transpose()).add(fc1Bias));
        NDArray out = hidden.matMul(fc2Weight.transpose()).add(fc2Bias);
        return Activation.sigmoid(out)
                .mul(OwnedScalar.of(z.getManager(), tauMax - tauMin))
                .add(tauMin);
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    @Override
    public Adapter export(AdapterIdentity identity) {
        return new TempNetAdapter(
                identity,
                input,
                tauMin,
                tauMax,
                rho,
                ParameterSet.tensor("fc1.weight", fc1Weight),
                ParameterSet.tensor("fc1.bias", fc1Bias),
                ParameterSet.tensor("fc2.weight", fc2Weight),
                ParameterSet.tensor("fc2.bias", fc2Bias));
    }
}
