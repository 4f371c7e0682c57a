package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.format.GgufFile;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.format.ModelLoader;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any bytes as a {@code .gguf} model: a format error, or a header whose tensors all lie inside the file and a model
 * that loads.
 */
class GgufFuzzTest {

    @MethodSource("seeds")
    @FuzzTest
    void load(byte @NotNull [] input) {
        Path file = FuzzFiles.write("model.gguf", input);
        try {
            GgufFile gguf = GgufFile.open(file);
            for (GgufFile.TensorInfo tensor : gguf.tensors().values()) {
                long start = gguf.dataOffset(tensor);
                assertTrue(
                        start >= 0 && start + tensor.byteSize() <= input.length && tensor.byteSize() >= 0,
                        tensor.name() + " claims bytes " + start + " + " + tensor.byteSize() + " of " + input.length);
            }
            ModelLoader.load(file);
        } catch (ModelFormatException expected) {
            // the documented refusal of a malformed model
        }
    }

    static Stream<byte[]> seeds() {
        return Stream.of(TinyModels.gguf());
    }
}
