package io.swapgate.e2e;

import io.swapgate.core.format.HuggingFaceExporter;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Synthetic Llamas of realistic shape (seeded random weights) written once as Hugging Face folders into
 * {@code .swapgate/synthetic/} and reused, so that benchmarks can serve them through the packaged gateway. Their
 * vocabulary is made up (bytes, letters and letter runs with scores by length), enough for prompts to tokenize.
 */
final class SyntheticModels {

    /** About 30M parameters: dim 512, 6 layers, vocab 16000, shared classifier. */
    static final LlamaConfig SMALL = new LlamaConfig(512, 1376, 6, 8, 8, 16000, 1024, 1e-5f, 10000f, null, true);
    /** About 110M parameters, the shape of llama2.c's stories110M: dim 768, 12 layers, vocab 32000. */
    static final LlamaConfig BASE = new LlamaConfig(768, 2048, 12, 12, 12, 32000, 1024, 1e-5f, 10000f, null, true);

    private SyntheticModels() {}

    /** The model's folder, written on first use (to a temporary folder, then moved into place). */
    static Path folder(LlamaConfig shape) throws IOException {
        Path folder = E2e.repoRoot().resolve(".swapgate").resolve("synthetic").resolve(name(shape));
        if (Files.exists(folder.resolve("model.safetensors"))) {
            return folder;
        }
        Path staging = Files.createDirectories(folder.resolveSibling(folder.getFileName() + ".writing"));
        LoadedModel model = new LoadedModel(
                name(shape),
                staging,
                "synthetic",
                shape,
                SyntheticLlama.weights(shape, 1),
                vocabulary(shape.vocabSize()));
        HuggingFaceExporter.export(model, staging);
        Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
        return folder;
    }

    static String name(LlamaConfig shape) {
        return String.format("synthetic-%dM", Math.round(shape.parameterCount() / 1e6));
    }

    /** <unk>, <s>, </s>, the 256 byte tokens, then characters and runs of letters, longer runs scoring higher. */
    static SentencePieceBpeTokenizer vocabulary(int size) {
        Set<String> pieces = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format("<0x%02X>", b));
        }
        String letters = "abcdefghijklmnopqrstuvwxyz";
        for (char c : (" " + letters + letters.toUpperCase(Locale.ROOT) + ".,!?'\"-0123456789").toCharArray()) {
            pieces.add(String.valueOf(c));
        }
        List<String> runs = new ArrayList<>(List.of(""));
        while (pieces.size() < size) {
            List<String> longer = new ArrayList<>();
            for (String run : runs) {
                for (int i = 0; i < letters.length(); i++) {
                    longer.add(run + letters.charAt(i));
                }
            }
            for (String run : longer) {
                if (pieces.size() < size) {
                    pieces.add(" " + run);
                }
                if (pieces.size() < size && run.length() > 1) {
                    pieces.add(run);
                }
            }
            runs = longer;
        }
        byte[][] bytes = new byte[size][];
        float[] scores = new float[size];
        int i = 0;
        for (String piece : pieces) {
            bytes[i] = piece.getBytes(StandardCharsets.UTF_8);
            scores[i] = i < 259 ? 0 : piece.length() - i * 1e-6f;
            i++;
        }
        return new SentencePieceBpeTokenizer(bytes, scores, 1, 2);
    }
}
