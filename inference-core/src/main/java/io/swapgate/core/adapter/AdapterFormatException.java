package io.swapgate.core.adapter;

import io.swapgate.core.format.ModelFormatException;
import java.nio.file.Path;

/** An adapter that cannot be served on this base model, with the file and the problem named. */
public class AdapterFormatException extends ModelFormatException {

    public AdapterFormatException(Path file, String problem) {
        super(file, problem);
    }

    public AdapterFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
