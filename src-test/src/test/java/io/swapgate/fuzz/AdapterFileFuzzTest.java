package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An adapter folder with one file fuzzed: the input's first byte picks which valid fixture adapter supplies the other
 * file, the rest is the fuzzed file. Reading it must load an adapter or refuse with the documented format errors. A
 * subclass names the file (the fuzzer runs one fuzz test per class).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AdapterFileFuzzTest {

    /** The file of the adapter folder that the fuzzer writes. */
    abstract String fuzzedFile();

    @MethodSource("seeds")
    @FuzzTest
    void read(byte @NotNull [] input) {
        String fuzzedFile = fuzzedFile();
        if (input.length == 0) {
            return;
        }
        Path fixture = FuzzFixtures.ADAPTERS.get(Byte.toUnsignedInt(input[0]) % FuzzFixtures.ADAPTERS.size());
        Path folder = FuzzFiles.folder("adapter");
        try {
            for (Path file : list(fixture)) {
                Files.copy(file, folder.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.write(folder.resolve(fuzzedFile), Arrays.copyOfRange(input, 1, input.length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Adapter adapter = FuzzFixtures.READER.read(folder, "fuzz/adapter");
            assertEquals(64, adapter.identity().version().length(), "a loaded adapter is named by its sha256");
        } catch (ModelFormatException expected) {
            // the documented refusal of a malformed adapter (AdapterFormatException is a ModelFormatException)
        }
    }

    /** Seeds: every fixture's own {@code file}, behind the byte that selects that fixture. */
    Stream<byte[]> seeds() {
        String file = fuzzedFile();
        return IntStream.range(0, FuzzFixtures.ADAPTERS.size()).mapToObj(i -> {
            byte[] content = FuzzFixtures.read(FuzzFixtures.ADAPTERS.get(i).resolve(file));
            byte[] seed = new byte[content.length + 1];
            seed[0] = (byte) i;
            System.arraycopy(content, 0, seed, 1, content.length);
            return seed;
        });
    }

    private static Path[] list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.toArray(Path[]::new);
        }
    }
}
