package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.training.OptimizerState;
import io.swapgate.core.training.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCheckpointsTest {

    private static TrainingCheckpoint at(int step) {
        return new TrainingCheckpoint(
                "run",
                step,
                1.0,
                Double.NaN,
                0,
                List.of(new float[] {step}),
                List.of(),
                new OptimizerState(step, List.of(new float[] {0}), List.of(new float[] {0})));
    }

    @Test
    void theLatestSaveIsReadBackAndAnUnreadableFileIsIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs").resolve("j.checkpoint");
        FileCheckpoints checkpoints = new FileCheckpoints(file, 20);
        assertTrue(checkpoints.latest().isEmpty(), "none before the first save");
        checkpoints.save(at(20));
        checkpoints.save(at(40));
        assertEquals(40, checkpoints.latest().orElseThrow().step());
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left beside it");
        }

        byte[] torn = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(torn, torn.length - 3));
        assertTrue(checkpoints.latest().isEmpty(), "a torn checkpoint is not resumed");
    }
}
