package io.swapgate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.swapgate.registry.AdapterReference;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Any text as an adapter reference: refused with IllegalArgumentException, or parsed into a name that stays inside
 * the registry folder when used as a path and prints back to a reference that parses the same.
 */
class AdapterReferenceFuzzTest {

    private static final Path ROOT = Path.of("/registry/adapters");

    @MethodSource("seeds")
    @FuzzTest
    void parse(@NotNull String text) {
        AdapterReference reference;
        try {
            reference = AdapterReference.parse(text);
        } catch (IllegalArgumentException expected) {
            return; // the documented refusal
        }
        Path folder = ROOT.resolve(reference.name().tenant())
                .resolve(reference.name().name())
                .normalize();
        assertTrue(folder.startsWith(ROOT) && folder.getNameCount() == ROOT.getNameCount() + 2, text + " -> " + folder);
        assertEquals(reference, AdapterReference.parse(reference.toString()));
    }

    static Stream<String> seeds() {
        return Stream.of(
                "demo/lora", "demo/lora@stable", "demo/lora@0123abcd", "a/b.c-d_e@canary", "../x/y", "demo/..@latest");
    }
}
