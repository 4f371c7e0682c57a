package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The fuzzers' model seeds are valid: the llama2.c and GGUF forms load with the same shape and vocabulary. */
class TinyModelsIT {

    @Test
    void bothFormsLoadWithTheSameShapeAndVocabulary() throws Exception {
        Path folder = FuzzFiles.folder("tiny-llama2c");
        Files.write(folder.resolve("model.bin"), TinyModels.llama2cCheckpoint());
        Files.write(folder.resolve("tokenizer.bin"), TinyModels.llama2cTokenizer());
        LoadedModel llama2c = ModelLoader.load(folder.resolve("model.bin"));
        LoadedModel gguf = ModelLoader.load(FuzzFiles.write("tiny.gguf", TinyModels.gguf()));

        for (LoadedModel model : new LoadedModel[] {llama2c, gguf}) {
            assertEquals(TinyModels.DIM, model.config().dim(), model.format());
            assertEquals(TinyModels.PIECES.size(), model.config().vocabSize(), model.format());
            assertEquals(TinyModels.CONTEXT, model.config().contextLength(), model.format());
        }
        assertArrayEquals(llama2c.tokenizer().encode("ab a"), gguf.tokenizer().encode("ab a"));
        assertEquals(TinyModels.PIECES.size(), llama2c.weights().embedding().data().length / TinyModels.DIM);
    }
}
