package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.SamplingParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Locations, reference data and process helpers shared by the end-to-end tests. */
public final class E2e {

    static final String PROMPT = "Once upon a time";

    /** Greedy stories260K continuation of {@link #PROMPT}; a 40-token completion is a byte-exact prefix of it. */
    static final String REFERENCE =
            ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big,"
                    + " red ball. She wanted to play with it, but it was too high.\nLily";

    private static final AtomicInteger COMMANDS = new AtomicInteger();

    private E2e() {}

    /** The repository root (the folder holding {@code swapgate}, {@code proto/} and {@code gateway/}). */
    public static Path repoRoot() {
        String root = System.getProperty("e2e.repo.root", System.getenv("E2E_REPO_ROOT"));
        if (root == null || root.isBlank()) {
            fail("neither the system property e2e.repo.root nor E2E_REPO_ROOT is set; run the tests through Maven");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    static Path modelsDir() {
        String dir = System.getProperty("shared.models.dir");
        Path models = dir == null || dir.isBlank() ? repoRoot().resolve("../shared/models") : Path.of(dir);
        return models.toAbsolutePath().normalize();
    }

    public static Path stories260K() {
        return existing(modelsDir().resolve("stories260K"));
    }

    public static Path stories260KGguf() {
        return existing(modelsDir().resolve("stories260K/stories260K.gguf"));
    }

    static Path babyLlama105() {
        return existing(modelsDir().resolve("babyllama105"));
    }

    static Path gatewayJar() {
        String jar = System.getProperty("e2e.gateway.jar");
        Path path = jar == null || jar.isBlank()
                ? repoRoot().resolve("gateway/target/quarkus-app/quarkus-run.jar")
                : Path.of(jar).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            fail(
                    "the packaged gateway " + path
                            + " does not exist; build it first (./mvnw -B install -DskipTests -pl proto,inference-core,gateway)");
        }
        return path;
    }

    /** This module's build folder, for logs. */
    public static Path targetDir() {
        String target = System.getProperty("e2e.target.dir");
        return (target == null || target.isBlank() ? repoRoot().resolve("src-test/target") : Path.of(target))
                .toAbsolutePath()
                .normalize();
    }

    static Path logDir() {
        Path dir = targetDir().resolve("e2e-logs");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
        return dir;
    }

    static String djlCacheDir() {
        String dir = System.getenv("DJL_CACHE_DIR");
        if (dir == null || dir.isBlank()) {
            dir = System.getProperty("DJL_CACHE_DIR");
        }
        return dir == null || dir.isBlank()
                ? Path.of(System.getProperty("user.home"), ".djl.ai").toString()
                : dir;
    }

    /** The java executable of the JVM running the tests, so child JVMs match it. */
    static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static GenerateRequest greedy(String prompt, int maxNewTokens) {
        return GenerateRequest.newBuilder()
                .setPrompt(prompt)
                .setMaxNewTokens(maxNewTokens)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f))
                .build();
    }

    /** Asserts a greedy stories260K completion of {@link #PROMPT} is a real (more than 100 chars) prefix of the reference. */
    static void assertReferencePrefix(String completion, String what) {
        assertTrue(
                REFERENCE.startsWith(completion),
                () -> what + " is not a prefix of the reference.\n  got:       " + escape(completion)
                        + "\n  reference: " + escape(REFERENCE));
        assertTrue(
                completion.length() > 100,
                () -> what + " has only " + completion.length() + " chars (expected > 100): " + escape(completion));
    }

    static String escape(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            fail("model " + path + " does not exist (system property shared.models.dir = "
                    + System.getProperty("shared.models.dir") + ")");
        }
        return path;
    }

    /** Output of a finished command. */
    record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
        String describe() {
            return "command " + command + " exited with " + exitCode + "\n--- stdout ---\n" + stdout
                    + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * Runs a command to completion, its stdout and stderr captured to files under target/e2e-logs (so a chatty
     * command can never block on a full pipe); fails the test if it runs longer than {@code timeout}.
     */
    static CommandResult run(
            List<String> command, Path directory, Map<String, String> environment, Duration timeout, String logName)
            throws IOException, InterruptedException {
        String base = logName + "-" + COMMANDS.incrementAndGet();
        Path out = logDir().resolve(base + ".out");
        Path err = logDir().resolve(base + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close(); // no input: a command reading stdin sees end-of-file
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            fail("command " + command + " did not finish within " + timeout + "\n--- stdout ---\n" + read(out)
                    + "\n--- stderr ---\n" + read(err));
        }
        return new CommandResult(List.copyOf(command), process.exitValue(), read(out), read(err));
    }

    /** Runs the {@code ./swapgate} launcher with the test JVM's {@code java} first on the PATH. */
    static CommandResult swapgate(List<String> args, Map<String, String> extraEnv) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(repoRoot().resolve("swapgate").toString());
        command.addAll(args);
        return run(command, repoRoot(), launcherEnvironment(extraEnv), Duration.ofSeconds(90), "cli-" + args.get(0));
    }

    /** What the {@code ./swapgate} launcher runs with: {@code extra}, the test JVM's {@code java} first, the DJL cache. */
    static Map<String, String> launcherEnvironment(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("DJL_CACHE_DIR", djlCacheDir());
        env.put(
                "PATH",
                javaExecutable().getParent()
                        + java.io.File.pathSeparator
                        + System.getenv().getOrDefault("PATH", ""));
        return env;
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** The files under a registry's staging folders, but for their owners' lock files: what uploads left behind. */
    /** How many entries a folder holds (the listing closed at once). */
    static long entries(Path folder) throws IOException {
        try (java.util.stream.Stream<Path> listing = Files.list(folder)) {
            return listing.count();
        }
    }

    static List<Path> stagedFiles(Path registry) throws IOException {
        try (Stream<Path> files = Files.walk(registry.resolve("staging"))) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().endsWith(".lock"))
                    .toList();
        }
    }

    /** Deletes a folder tree, if it exists. */
    static void deleteTree(Path root) throws IOException {
        if (!java.nio.file.Files.exists(root)) {
            return;
        }
        try (var paths = java.nio.file.Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }

    /** Deletes {@code dir} with everything in it, if it exists, and creates it again empty. */
    static Path emptyDir(Path dir) throws IOException {
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    /** Runs {@code npm ci} in the Node clients' folder when their dependencies are not installed (a fresh checkout). */
    static void installNodeModules(Path nodeDir) throws IOException, InterruptedException {
        Path modules = nodeDir.resolve("node_modules");
        if (Stream.of("@grpc/grpc-js", "@grpc/proto-loader", "openai", "playwright-core", "node-llama-cpp")
                .allMatch(m -> Files.isDirectory(modules.resolve(m)))) {
            return;
        }
        // node-llama-cpp's prebuilt binaries come as packages; its postinstall would build llama.cpp from source
        // (minutes) where none fits, and the tests use prebuilt binaries only.
        CommandResult ci = run(
                List.of("npm", "ci", "--no-audit", "--no-fund"),
                nodeDir,
                java.util.Map.of("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true"),
                Duration.ofMinutes(4),
                "npm-ci");
        org.junit.jupiter.api.Assertions.assertEquals(0, ci.exitCode(), ci::describe);
    }
}
