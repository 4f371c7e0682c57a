package io.swapgate.fuzz;

import io.swapgate.e2e.E2e;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Scratch files for fuzzed parsers that read from disk: one folder per JVM under {@code target/fuzz-scratch}, each
 * input overwriting the last (the fuzzer calls a target from one thread).
 */
final class FuzzFiles {

    private static final Path DIR = create();

    private FuzzFiles() {}

    /** Writes {@code bytes} to {@code name} in the scratch folder and returns its path. */
    static Path write(String name, byte[] bytes) {
        try {
            return Files.write(DIR.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A subfolder of the scratch folder, created if absent. */
    static Path folder(String name) {
        try {
            return Files.createDirectories(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path create() {
        try {
            Path parent = Files.createDirectories(E2e.targetDir().resolve("fuzz-scratch"));
            return Files.createTempDirectory(parent, "run-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
