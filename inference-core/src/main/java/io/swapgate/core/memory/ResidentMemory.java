package io.swapgate.core.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * This process's resident memory as the kernel counts it ({@code /proc/self/status}): what DJL's native tensors and
 * the allocator hold besides the Java heap. Empty where there is no procfs (macOS, Windows).
 */
public final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /** The current resident set in bytes. */
    public static OptionalLong current() {
        return field("VmRSS:");
    }

    private static OptionalLong field(String name) {
        if (!Files.isReadable(STATUS)) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    String kib = line.substring(name.length()).trim().split("\\s+")[0];
                    return OptionalLong.of(Long.parseLong(kib) * 1024);
                }
            }
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
