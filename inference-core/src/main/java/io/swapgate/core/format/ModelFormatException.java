package io.swapgate.core.format;

import java.nio.file.Path;

/** A model, tokenizer or tensor file that cannot be used, with the file and the problem named. */
public class ModelFormatException extends RuntimeException {

    private final transient Path file;
    private final String problem;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** What is wrong, without the file's path (for callers that must not see server paths). */
    public String problem() {
        return problem;
    }

    public Path file() {
        return file;
    }
}
