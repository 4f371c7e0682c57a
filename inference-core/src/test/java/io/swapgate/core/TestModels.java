package io.swapgate.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared pre-trained models (../shared/models from the project root) and their reference behaviour. */
public final class TestModels {

    /** llama2.c run.c's greedy continuation of "Once upon a time" with stories260K (from the models README). */
    public static final String STORIES_REFERENCE =
            ", there was a little girl named Lily. She loved to play outside in the park."
                    + " One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

    private TestModels() {}

    public static Path root() {
        String configured = System.getProperty("shared.models.dir");
        Path root = configured != null ? Path.of(configured) : Path.of("../../shared/models");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("shared models not found at " + root.toAbsolutePath());
        }
        return root.toAbsolutePath().normalize();
    }

    public static Path stories() {
        return root().resolve("stories260K");
    }

    public static Path babyLlama() {
        return root().resolve("babyllama105");
    }
}
