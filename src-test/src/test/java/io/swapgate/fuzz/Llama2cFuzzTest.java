package io.swapgate.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.format.Llama2cModelReader;
import io.swapgate.core.format.ModelFormatException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/** Any bytes as a llama2.c checkpoint (with a valid tokenizer beside it): a model or a format error. */
class Llama2cFuzzTest {

    private static final Path TOKENIZER = FuzzFiles.write("tiny-tokenizer.bin", TinyModels.llama2cTokenizer());

    @MethodSource("seeds")
    @FuzzTest
    void load(byte @NotNull [] input) {
        try {
            Llama2cModelReader.read(FuzzFiles.write("model.bin", input), TOKENIZER);
        } catch (ModelFormatException expected) {
            // the documented refusal of a malformed checkpoint
        }
    }

    static Stream<byte[]> seeds() {
        return Stream.of(TinyModels.llama2cCheckpoint());
    }
}
