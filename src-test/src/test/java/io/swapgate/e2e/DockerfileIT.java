package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The image recipe, checked without a Docker engine (there is none here): every line is a known instruction with
 * arguments, it starts FROM an image, each COPY source exists in the build context after the build (so the recipe
 * matches the Quarkus fast-jar layout), it exposes the gateway's port, its ENTRYPOINT is a valid exec form, and it
 * puts libtorch into the image at build time (the command it runs is tested by {@code SwapgateCliTest}).
 */
class DockerfileIT {

    private static final Set<String> INSTRUCTIONS = Set.of(
            "FROM",
            "RUN",
            "CMD",
            "LABEL",
            "EXPOSE",
            "ENV",
            "ADD",
            "COPY",
            "ENTRYPOINT",
            "VOLUME",
            "USER",
            "WORKDIR",
            "ARG",
            "ONBUILD",
            "STOPSIGNAL",
            "HEALTHCHECK",
            "SHELL");

    @Test
    void theGatewayImageRecipeIsWellFormedAndMatchesTheBuild() throws Exception {
        Path context = E2e.repoRoot().resolve("gateway");
        List<String[]> instructions = new ArrayList<>();
        for (String line : joinContinuations(Files.readAllLines(context.resolve("src/main/docker/Dockerfile.jvm")))) {
            String[] parts = line.strip().split("\\s+", 2);
            assertTrue(INSTRUCTIONS.contains(parts[0]), "unknown instruction: " + line);
            assertEquals(2, parts.length, "an instruction without arguments: " + line);
            instructions.add(parts);
        }
        assertEquals("FROM", instructions.get(0)[0], "the first instruction is FROM");
        boolean copied = false;
        for (String[] instruction : instructions) {
            switch (instruction[0]) {
                case "COPY" -> {
                    List<String> args = new ArrayList<>(List.of(instruction[1].split("\\s+")));
                    args.removeIf(a -> a.startsWith("--"));
                    for (String source : args.subList(0, args.size() - 1)) {
                        assertTrue(
                                matches(context, source),
                                "COPY source " + source + " is not in the built context " + context);
                    }
                    copied = true;
                }
                case "EXPOSE" -> assertEquals("8080", instruction[1]);
                case "ENTRYPOINT" ->
                    assertTrue(new ObjectMapper().readTree(instruction[1]).isArray(), "exec-form ENTRYPOINT");
                default -> {}
            }
        }
        assertTrue(copied, "the recipe copies the application in");
        // libtorch goes into the image at build time (the CUDA flavour too), so a pod starts offline and read-only.
        assertTrue(instructions.stream().anyMatch(i -> i[0].equals("ARG") && i[1].startsWith("PYTORCH_FLAVOR=")));
        int loaded = indexOf(instructions, "RUN", "-Dai.djl.offline=false -jar /deployments/quarkus-run.jar runtime");
        int offline = indexOf(instructions, "ENV", "-Dai.djl.offline=true");
        assertTrue(loaded > 0 && offline > loaded, "libtorch is loaded at build time, then DJL runs offline");
    }

    /** The position of the first {@code instruction} whose arguments contain {@code text}, or -1. */
    private static int indexOf(List<String[]> instructions, String instruction, String text) {
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i)[0].equals(instruction) && instructions.get(i)[1].contains(text)) {
                return i;
            }
        }
        return -1;
    }

    /** Lines with their backslash continuations joined, without comments and blank lines. */
    private static List<String> joinContinuations(List<String> lines) {
        List<String> joined = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                joined.add(current.append(line).toString());
                current.setLength(0);
            }
        }
        assertFalse(current.length() > 0, "a continuation at the end of the file");
        return joined;
    }

    private static boolean matches(Path context, String source) throws Exception {
        Path path = context.resolve(source);
        if (!source.contains("*")) {
            return Files.exists(path);
        }
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + path);
        try (Stream<Path> siblings = Files.list(path.getParent())) {
            return siblings.anyMatch(glob::matches);
        }
    }
}
