package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.format.SafetensorsFile;
import io.swapgate.core.model.FloatTensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/** Any bytes as a {@code .safetensors} file: a validation error, or tensors whose data matches their shape. */
class SafetensorsFuzzTest {

    @MethodSource("seeds")
    @DictionaryEntries({
        "\"dtype\"",
        "\"shape\"",
        "\"data_offsets\"",
        "\"__metadata__\"",
        "\"F32\"",
        "\"F16\"",
        "\"BF16\"",
        "\"F64\"",
        "\"I64\""
    })
    @FuzzTest
    void openAndReadEveryTensor(byte @NotNull [] input) {
        try {
            SafetensorsFile file = SafetensorsFile.open(FuzzFiles.write("weights.safetensors", input));
            for (SafetensorsFile.TensorEntry entry : file.tensors().values()) {
                FloatTensor tensor = file.read(entry.name());
                assertEquals(entry.elementCount(), tensor.data().length, entry.name());
            }
        } catch (ModelFormatException expected) {
            // the documented refusal of a malformed file
        }
    }

    /** The weights of one adapter of every kind. */
    static Stream<byte[]> seeds() {
        return FuzzFixtures.ADAPTERS.stream()
                .map(folder -> FuzzFixtures.read(folder.resolve(PeftAdapterReader.WEIGHTS_FILE)));
    }
}
