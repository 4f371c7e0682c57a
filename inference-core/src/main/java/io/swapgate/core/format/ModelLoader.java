package io.swapgate.core.format;

import io.swapgate.core.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one entry point for reading a base model. It detects the format from what is on disk:
 * <ul>
 *   <li>a folder with {@code config.json}: a Hugging Face model folder;</li>
 *   <li>a {@code .gguf} file, or a folder whose only model is one: GGUF;</li>
 *   <li>a llama2.c checkpoint {@code .bin} (or a folder with one) and its tokenizer {@code tok*.bin} beside it.</li>
 * </ul>
 * A folder holding both a llama2.c checkpoint and a GGUF file loads the checkpoint; name the file to choose.
 */
public final class ModelLoader {

    private ModelLoader() {}

    public static LoadedModel load(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "does not exist");
        }
        if (Files.isDirectory(path)) {
            return loadFolder(path);
        }
        if (GgufFile.hasMagic(path)) {
            return GgufModelReader.read(path);
        }
        if (path.getFileName().toString().endsWith(".gguf")) {
            throw new ModelFormatException(path, "not a GGUF file: wrong magic");
        }
        if (path.getFileName().toString().endsWith(".bin")) {
            return Llama2cModelReader.read(
                    path, llama2cTokenizer(path.toAbsolutePath().getParent()));
        }
        throw new ModelFormatException(
                path,
                "unknown model format (expected a .gguf file, a llama2.c .bin checkpoint"
                        + " or a Hugging Face model folder)");
    }

    private static LoadedModel loadFolder(Path folder) {
        if (Files.isRegularFile(folder.resolve("config.json"))) {
            return HuggingFaceModelReader.read(folder);
        }
        List<Path> files = list(folder);
        List<Path> checkpoints =
                files.stream().filter(ModelLoader::isLlama2cCheckpoint).toList();
        if (checkpoints.size() == 1) {
            return Llama2cModelReader.read(checkpoints.get(0), llama2cTokenizer(folder));
        }
        List<Path> ggufs = files.stream()
                .filter(p -> p.getFileName().toString().endsWith(".gguf"))
                .toList();
        if (checkpoints.isEmpty() && ggufs.size() == 1) {
            return GgufModelReader.read(ggufs.get(0));
        }
        throw new ModelFormatException(
                folder,
                checkpoints.size() + ggufs.size() == 0
                        ? "holds no model (no config.json, llama2.c checkpoint or .gguf file)"
                        : "holds several models; name the file to load");
    }

    private static Path llama2cTokenizer(Path folder) {
        List<Path> tokenizers =
                list(folder).stream().filter(ModelLoader::isLlama2cTokenizer).toList();
        if (tokenizers.size() != 1) {
            throw new ModelFormatException(
                    folder,
                    tokenizers.isEmpty()
                            ? "has no llama2.c tokenizer (tokenizer.bin or tok*.bin) beside the checkpoint"
                            : "has several llama2.c tokenizers: " + tokenizers);
        }
        return tokenizers.get(0);
    }

    private static boolean isLlama2cTokenizer(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".bin") && (name.equals("tokenizer.bin") || name.startsWith("tok"));
    }

    private static boolean isLlama2cCheckpoint(Path file) {
        return file.getFileName().toString().endsWith(".bin") && !isLlama2cTokenizer(file);
    }

    private static List<Path> list(Path folder) {
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new ModelFormatException(folder, "cannot list: " + e.getMessage(), e);
        }
    }
}
