package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * llama.cpp as Swapgate's peer: synthetic Llamas written as GGUF files that both load, and greedy runs of
 * {@code src-test/node/llama-cpp-peer.mjs} (node-llama-cpp with its prebuilt CPU binary) on them. Node and the runner
 * are found as the Node interop tests find theirs: {@code node} on the PATH, the runner in {@code src-test/node},
 * its dependencies installed with {@code npm ci} when missing.
 */
final class LlamaCppPeer {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run of the runner: per stream the greedy token ids and timings, and all streams' throughput. */
    record Run(
            List<int[]> tokens,
            double[] ttftMs,
            double[] decodeTokensPerSecond,
            double aggregateTokensPerSecond,
            int threads,
            String llamaCpp,
            List<double[]> logProbabilities,
            String json) {}

    private LlamaCppPeer() {}

    /**
     * Writes a seeded synthetic Llama of {@code shape} with {@link SyntheticModels#vocabulary} to {@code file} as an F32
     * GGUF, unless it is there already. The classifier row of the end-of-sequence token is zero, so its logit is
     * exactly 0 in every engine and greedy decoding (whose best logit over a few hundred random rows is positive)
     * never ends early: every engine decodes the full length.
     */
    static Path syntheticGguf(Path file, LlamaConfig shape, long seed) throws IOException {
        return syntheticGguf(file, shape, seed, GgufWriter.Quantization.F32);
    }

    /** {@link #syntheticGguf} with the matrices stored as {@code quantization} says. */
    static Path syntheticGguf(Path file, LlamaConfig shape, long seed, GgufWriter.Quantization quantization)
            throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        Files.createDirectories(file.getParent());
        SentencePieceBpeTokenizer vocabulary = SyntheticModels.vocabulary(shape.vocabSize());
        String name = file.getFileName().toString().replaceFirst("\\.gguf$", "");
        GgufWriter.llama(name, shape, syntheticWeights(shape, seed), vocabulary, quantization)
                .write(file);
        return file;
    }

    /** The weights of {@link #syntheticGguf} written as llama.cpp's Phi-3, with a sliding window (0: none). */
    static Path syntheticPhi3Gguf(Path file, LlamaConfig shape, long seed, int slidingWindow) throws IOException {
        Files.createDirectories(file.getParent());
        String name = file.getFileName().toString().replaceFirst("\\.gguf$", "");
        GgufWriter.phi3(
                        name,
                        shape,
                        syntheticWeights(shape, seed),
                        SyntheticModels.vocabulary(shape.vocabSize()),
                        slidingWindow)
                .write(file);
        return file;
    }

    /** The weights {@link #syntheticGguf} writes, in Swapgate's (Hugging Face) layout. */
    static LlamaWeights syntheticWeights(LlamaConfig shape, long seed) {
        int eos = SyntheticModels.vocabulary(shape.vocabSize()).eosId();
        return withoutEnd(SyntheticLlama.weights(shape, seed), shape, eos);
    }

    private static LlamaWeights withoutEnd(LlamaWeights weights, LlamaConfig shape, int eos) {
        FloatTensor classifier = weights.classifier();
        float[] rows = classifier.data().clone();
        Arrays.fill(rows, eos * shape.dim(), (eos + 1) * shape.dim(), 0f);
        FloatTensor silenced = new FloatTensor(classifier.name(), classifier.shape(), rows);
        return new LlamaWeights(
                        shape.sharedClassifier() ? silenced : weights.embedding(),
                        weights.layers(),
                        weights.finalNorm(),
                        silenced)
                .validate(shape);
    }

    /**
     * Greedy decoding of {@code tokens} tokens after {@code prompt} on {@code streams} sequences at once, with llama.cpp's
     * defaults (an F16 KV cache, flash attention where supported).
     */
    static Run run(Path model, int[] prompt, int tokens, int threads, int streams)
            throws IOException, InterruptedException {
        return run(model, prompt, tokens, threads, streams, false);
    }

    /**
     * @param f32Attention an F32 KV cache and no flash attention, instead of llama.cpp's defaults (which round keys,
     *     values and attention to F16): the same arithmetic as Swapgate's up to the order of additions
     */
    static Run run(Path model, int[] prompt, int tokens, int threads, int streams, boolean f32Attention)
            throws IOException, InterruptedException {
        return run(model, prompt, tokens, threads, streams, f32Attention, false, null);
    }

    /**
     * One greedy stream with an F32 KV cache and no flash attention, and then llama.cpp's log-probabilities of every
     * vocabulary entry at each of its greedy steps ({@link Run#logProbabilities}; NaN where a probability is 0).
     */
    static Run runWithLogProbabilities(Path model, int[] prompt, int tokens) throws IOException, InterruptedException {
        return run(model, prompt, tokens, 1, 1, true, true, null);
    }

    /** {@link #runWithLogProbabilities} with a LoRA adapter in llama.cpp's GGUF form ({@link GgufWriter#lora}). */
    static Run runWithLogProbabilities(Path model, Path lora, int[] prompt, int tokens)
            throws IOException, InterruptedException {
        return run(model, prompt, tokens, 1, 1, true, true, lora);
    }

    private static Run run(
            Path model,
            int[] prompt,
            int tokens,
            int threads,
            int streams,
            boolean f32Attention,
            boolean logProbabilities,
            Path lora)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "node",
                "llama-cpp-peer.mjs",
                "--model",
                model.toAbsolutePath().toString(),
                "--prompt",
                Arrays.stream(prompt).mapToObj(Integer::toString).collect(Collectors.joining(",")),
                "--tokens",
                Integer.toString(tokens),
                "--threads",
                Integer.toString(threads),
                "--streams",
                Integer.toString(streams),
                "--kv-cache",
                f32Attention ? "F32" : "default",
                "--flash-attention",
                f32Attention ? "off" : "auto"));
        if (logProbabilities) {
            command.add("--log-probabilities");
        }
        if (lora != null) {
            command.addAll(List.of("--lora", lora.toAbsolutePath().toString()));
        }
        String line = peer(command);
        JsonNode json = JSON.readTree(line);
        JsonNode release = json.get("llamaCpp");
        return new Run(
                idRows(json.get("tokens")),
                doubles(json.get("ttftMs")),
                doubles(json.get("decodeTokensPerSecond")),
                json.get("aggregateTokensPerSecond").asDouble(),
                json.get("threads").asInt(),
                release == null
                        ? "?"
                        : release.path("repo").asText() + " "
                                + release.path("release").asText(),
                rows(json.path("logProbabilities")),
                line);
    }

    /**
     * llama.cpp's tokens for each of {@code texts}: special tokens (control, user-defined, unknown) parsed in the text,
     * as its chat paths do, and no BOS added.
     */
    static List<int[]> tokenize(Path model, List<String> texts) throws IOException, InterruptedException {
        Path file = Files.createTempFile("tokenize", ".json");
        try {
            JSON.writeValue(file.toFile(), texts);
            String line = peer(new ArrayList<>(List.of(
                    "node",
                    "llama-cpp-peer.mjs",
                    "--model",
                    model.toAbsolutePath().toString(),
                    "--tokenize-file",
                    file.toAbsolutePath().toString())));
            return idRows(JSON.readTree(line).get("tokenized"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Runs the peer and returns the one JSON line it prints. */
    private static String peer(List<String> command) throws IOException, InterruptedException {
        Path nodeDir = E2e.repoRoot().resolve("src-test/node");
        E2e.installNodeModules(nodeDir);
        E2e.CommandResult result = E2e.run(
                command,
                nodeDir,
                Map.of("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true"),
                Duration.ofMinutes(5),
                "llama-cpp-peer");
        assertEquals(0, result.exitCode(), result::describe);
        List<String> lines =
                result.stdout().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(1, lines.size(), () -> "expected one JSON line\n" + result.describe());
        return lines.get(0);
    }

    private static List<int[]> idRows(JsonNode rows) {
        List<int[]> ids = new ArrayList<>();
        for (JsonNode stream : rows) {
            int[] row = new int[stream.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = stream.get(i).asInt();
            }
            ids.add(row);
        }
        return ids;
    }

    private static List<double[]> rows(JsonNode rows) {
        List<double[]> out = new ArrayList<>();
        for (JsonNode row : rows) {
            out.add(doubles(row));
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).isNumber() ? array.get(i).asDouble() : Double.NaN;
        }
        return out;
    }
}
