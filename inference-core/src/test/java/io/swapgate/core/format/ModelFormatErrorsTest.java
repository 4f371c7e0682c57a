package io.swapgate.core.format;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken model files fail with a message that names the file and the problem. */
class ModelFormatErrorsTest {

    @TempDir
    Path dir;

    @Test
    void truncatedLlama2cCheckpoint() throws IOException {
        Path model = copyStories(bytes -> Arrays.copyOf(bytes, bytes.length / 2), "stories260K.bin");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(model));
        assertMessage(e, "stories260K.bin", "truncated");
    }

    @Test
    void llama2cCheckpointWithGarbageHeader() throws IOException {
        Path model = copyStories(
                bytes -> {
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -7);
                    return bytes;
                },
                "stories260K.bin");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(model)), "stories260K.bin", "dim = -7");
    }

    @Test
    void llama2cCheckpointWithTrailingBytes() throws IOException {
        Path model = copyStories(bytes -> Arrays.copyOf(bytes, bytes.length + 64), "stories260K.bin");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(model)),
                "stories260K.bin",
                "64 bytes after");
    }

    @Test
    void tokenizerForAnotherVocabulary() throws IOException {
        Path folder = dir.resolve("mixed");
        Files.createDirectories(folder);
        Files.copy(TestModels.stories().resolve("stories260K.bin"), folder.resolve("stories260K.bin"));
        Files.copy(TestModels.babyLlama().resolve("tok105.bin"), folder.resolve("tok105.bin"));
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(folder)),
                "tok105.bin",
                "truncated tokenizer");
    }

    @Test
    void ggufWithWrongMagicOrTruncatedHeader() throws IOException {
        Path wrongMagic = copyStories(
                bytes -> {
                    bytes[0] = 'X';
                    return bytes;
                },
                "stories260K.gguf");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(wrongMagic)),
                "stories260K.gguf",
                "wrong magic");

        Path truncated = dir.resolve("cut.gguf");
        byte[] original = Files.readAllBytes(TestModels.stories().resolve("stories260K.gguf"));
        Files.write(truncated, Arrays.copyOf(original, 5000));
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(truncated)), "cut.gguf", "truncated");

        Path tensorsCut = dir.resolve("data-cut.gguf");
        Files.write(tensorsCut, Arrays.copyOf(original, original.length - 1000));
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(tensorsCut)),
                "data-cut.gguf",
                "outside the file");
    }

    @Test
    void huggingFaceFolderWhoseShapesDisagreeWithConfig() throws IOException {
        Path folder = dir.resolve("hf");
        HuggingFaceExporter.export(ModelLoader.load(TestModels.stories()), folder);
        Path config = folder.resolve("config.json");
        Files.writeString(
                config, Files.readString(config).replace("\"intermediate_size\" : 172", "\"intermediate_size\" : 170"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(folder));
        assertMessage(e, "hf", "mlp.gate_proj.weight has shape [172, 64], expected [170, 64]");
    }

    @Test
    void safetensorsWithCorruptHeader() throws IOException {
        Path folder = dir.resolve("hf-corrupt");
        HuggingFaceExporter.export(ModelLoader.load(TestModels.stories()), folder);
        Path weights = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(weights, bytes);
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(folder)),
                "model.safetensors",
                "header length");
    }

    @Test
    void unknownFilesAndEmptyFolders() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(text)),
                "notes.txt",
                "unknown model format");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir)),
                dir.getFileName().toString(),
                "holds no model");
        assertMessage(
                assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir.resolve("missing"))),
                "missing",
                "does not exist");
    }

    private Path copyStories(java.util.function.UnaryOperator<byte[]> corrupt, String file) throws IOException {
        Path folder = dir.resolve("copy-" + file);
        Files.createDirectories(folder);
        Files.copy(TestModels.stories().resolve("tok512.bin"), folder.resolve("tok512.bin"));
        Path target = folder.resolve(file);
        Files.write(
                target, corrupt.apply(Files.readAllBytes(TestModels.stories().resolve(file))));
        return target;
    }

    private static void assertMessage(Exception e, String file, String problem) {
        assertTrue(
                e.getMessage().contains(file) && e.getMessage().contains(problem),
                "expected message naming " + file + " and '" + problem + "', got: " + e.getMessage());
    }
}
