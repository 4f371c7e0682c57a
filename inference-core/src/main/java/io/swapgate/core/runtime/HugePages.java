package io.swapgate.core.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether libtorch's large blocks (the weights, the KV cache, the LoRA slot table) get huge pages: libtorch asks for
 * them when {@code THP_MEM_ALLOC_ENABLE=1} is in its environment, and Linux grants them unless transparent huge pages
 * are off. Said once at start, since on 4 KiB pages every step pays TLB misses for what it reads (docs/benchmarks.md).
 */
public final class HugePages {

    private static final Path KERNEL_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private HugePages() {}

    /** This process's state, from its environment and the kernel's setting. */
    public static String state() {
        String mode;
        try {
            mode = Files.readString(KERNEL_MODE);
        } catch (IOException | SecurityException e) {
            mode = null;
        }
        return state(System.getenv("THP_MEM_ALLOC_ENABLE"), mode);
    }

    /**
     * @param requested the value of {@code THP_MEM_ALLOC_ENABLE}, or null when unset
     * @param kernelMode the kernel's {@code transparent_hugepage/enabled} text ("always [madvise] never"), or null
     *     where there is none (not Linux)
     */
    static String state(String requested, String kernelMode) {
        if (!"1".equals(requested)) {
            return "4 KiB pages (THP_MEM_ALLOC_ENABLE=1 asks for huge pages)";
        }
        if (kernelMode == null) {
            return "4 KiB pages (no transparent huge pages here)";
        }
        if (kernelMode.contains("[never]")) {
            return "4 KiB pages (the kernel's transparent huge pages are off)";
        }
        return "huge pages";
    }
}
