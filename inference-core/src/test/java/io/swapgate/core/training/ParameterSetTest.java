package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterSetTest {

    @Test
    void restoringASnapshotChangesTheParametersThemselves() {
        try (ParameterSet parameters = new ParameterSet(Device.cpu())) {
            parameters.add(new float[] {1, 2, 3, 4}, 2, 2);
            parameters.add(new float[] {5}, 1);
            parameters.requireGradients();
            List<float[]> snapshot = parameters.snapshot();
            parameters.restore(List.of(new float[] {-1, -2, -3, -4}, new float[] {-5}));
            assertArrayEquals(
                    new float[] {-1, -2, -3, -4},
                    ParameterSet.values(parameters.arrays().get(0)));
            assertArrayEquals(
                    new float[] {-5}, ParameterSet.values(parameters.arrays().get(1)));
            parameters.restore(snapshot);
            assertArrayEquals(
                    new float[] {1, 2, 3, 4},
                    ParameterSet.values(parameters.arrays().get(0)));
        }
    }
}
