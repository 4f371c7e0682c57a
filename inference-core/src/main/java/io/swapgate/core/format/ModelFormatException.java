package io.swapgate.core.format;

import java.nio.file.Path;

/** A model, tokenizer or tensor file that cannot be used, with the file and the problem named. */
public class ModelFormatException extends RuntimeException {

    private final transient Path file;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
