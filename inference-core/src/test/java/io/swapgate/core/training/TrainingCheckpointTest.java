package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingCheckpointTest {

    private static final TrainingCheckpoint CHECKPOINT = new TrainingCheckpoint(
            "f00d",
            40,
            0.25,
            0.5,
            1,
            List.of(new float[] {1, 2, 3}, new float[] {Float.MIN_VALUE, -0f}),
            List.of(),
            new OptimizerState(
                    40,
                    List.of(new float[] {0.1f, 0.2f, 0.3f}, new float[] {4, 5}),
                    List.of(new float[] {0.01f, 0.02f, 0.03f}, new float[] {6, 7})));

    @Test
    void bytesReadBackAsTheSameCheckpoint() throws IOException {
        TrainingCheckpoint read = TrainingCheckpoint.fromBytes(CHECKPOINT.toBytes());
        assertEquals(
                List.of("f00d", 40, 0.25, 0.5, 1, 40),
                List.of(
                        read.fingerprint(),
                        read.step(),
                        read.trainLoss(),
                        read.bestValidation(),
                        read.evaluationsWithoutGain(),
                        read.optimizer().steps()));
        assertArrayEquals(CHECKPOINT.parameters().get(1), read.parameters().get(1));
        assertEquals(
                Float.floatToRawIntBits(-0f),
                Float.floatToRawIntBits(read.parameters().get(1)[1]),
                "bits, not just values");
        assertArrayEquals(
                CHECKPOINT.optimizer().secondMoments().get(0),
                read.optimizer().secondMoments().get(0));
        assertTrue(read.best().isEmpty());
    }

    @Test
    void aTornOrAlteredFileIsRefused() {
        byte[] bytes = CHECKPOINT.toBytes();
        assertThrows(IOException.class, () -> TrainingCheckpoint.fromBytes(Arrays.copyOf(bytes, bytes.length / 2)));
        assertThrows(IOException.class, () -> TrainingCheckpoint.fromBytes(new byte[3]));
        byte[] flipped = bytes.clone();
        flipped[flipped.length / 2] ^= 1;
        IOException e = assertThrows(IOException.class, () -> TrainingCheckpoint.fromBytes(flipped));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }
}
