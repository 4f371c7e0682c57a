package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same weights mean the same model to llama.cpp and to Swapgate: a small seeded synthetic Llama written as GGUF by
 * {@link GgufWriter} (query and key rows permuted for llama.cpp's rope, its tensor names and metadata), loaded by
 * Swapgate's GGUF reader and served by its engine in-process, and by llama.cpp (node-llama-cpp's prebuilt CPU build);
 * 32 greedy tokens are the same in both, and the same as a plain Java forward pass over the weights Swapgate read.
 *
 * <p>A greedy comparison proves something only where no step is a near tie, so each case's seed was picked for a
 * smallest top-2 logit margin over the 32 steps of about 0.02 (logits here spread with a standard deviation of about
 * 0.6), and the test asserts at least {@value #MIN_MARGIN} rather than hoping: llama.cpp's default F16 KV cache and
 * flash attention move these logits by about 1e-3, its F32 path by about 1e-6. Both are compared, and on the F32 path
 * every vocabulary entry's log-probability at every step is within {@value #LOG_PROBABILITY_TOLERANCE} of the plain
 * pass's (measured: 1.8e-6). The cases cover an
 * untied classifier ({@code output.weight}) with grouped-query attention, a tied one without, and the same weights as
 * the first written as llama.cpp's Phi-3 (fused query/key/value and gate/up matrices, rope over head halves, a sliding
 * window shorter than the context), also written as a Hugging Face Phi-3 folder; RMSNorm epsilon and rope base differ from the readers' defaults so that both must
 * read them from the file.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LlamaCppAgreementIT {

    private static final String PROMPT = "ab ac ad ae";
    private static final int STEPS = 32;
    private static final double MIN_MARGIN = 0.01;
    private static final int PHI3_WINDOW = 64;
    /** Seeds whose smallest top-2 margin over the 32 steps passes MIN_MARGIN (asserted each run). */
    private static final long QWEN2_SEED = 183;

    private static final long QWEN3_SEED = 250;
    private static final double LOG_PROBABILITY_TOLERANCE = 1e-4;
    /** From a search of seeds 1-120 for the rope-factors case: smallest margin 0.044. */
    private static final long ROPE_FACTORS_SEED = 102;

    private static final int GEMMA_WINDOW = 8;
    private static final long GEMMA2_SEED = 1;
    private static final long GEMMA3_SEED = 1;
    private static final double GEMMA_TOLERANCE = 2e-3;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "untied-gqa, llama, 4, 2, false, 183, 16",
        "tied, llama, 4, 4, true, 19, 4",
        "phi3-gqa, phi3, 4, 2, false, 183, 16"
    })
    void llamaCppAndSwapgateDecodeTheSameGreedyTokens(
            String name, String architecture, int heads, int kvHeads, boolean tied, long seed, int distinct)
            throws Exception {
        LlamaConfig shape = new LlamaConfig(64, 160, 2, heads, kvHeads, 512, 1024, 1e-6f, 50000f, null, tied);
        Path file = E2e.targetDir().resolve("peer").resolve("agreement-" + name + ".gguf");
        Files.deleteIfExists(file);
        LlamaConfig expected = shape;
        if (architecture.equals("phi3")) {
            // A sliding window shorter than the context: Swapgate serves the window as its context.
            LlamaCppPeer.syntheticPhi3Gguf(file, shape, seed, PHI3_WINDOW);
            expected = new LlamaConfig(64, 160, 2, heads, kvHeads, 512, PHI3_WINDOW, 1e-6f, 50000f, null, tied);
        } else {
            LlamaCppPeer.syntheticGguf(file, shape, seed);
        }

        LoadedModel model = ModelLoader.load(file);
        assertEquals(expected, model.config(), "the config Swapgate's GGUF reader read back");
        assertSameWeights(LlamaCppPeer.syntheticWeights(shape, seed), model.weights());
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);
        assertEquals(5, prompt.length, () -> "prompt tokens " + Arrays.toString(prompt));

        GreedyReference reference = GreedyReference.of(model, prompt, STEPS);
        assertTrue(
                reference.smallestMargin() >= MIN_MARGIN,
                () -> name + ": the smallest top-2 logit margin over " + STEPS + " steps is "
                        + reference.smallestMargin() + ", a near tie that rounding may flip; pick another seed");
        long different = Arrays.stream(reference.tokens()).distinct().count();
        assertTrue(
                different >= distinct,
                () -> name + ": only " + different + " distinct tokens in " + Arrays.toString(reference.tokens()));

        CollectingListener.Completion swapgate;
        try (EngineTarget engine = new EngineTarget(model, 1, 4, 256)) {
            swapgate = engine.greedy(PROMPT, STEPS);
        }
        if (architecture.equals("phi3")) {
            // The same model as a Hugging Face Phi-3 folder (fused qkv_proj and gate_up_proj) reads back identically.
            Path folder = E2e.targetDir().resolve("peer").resolve("agreement-" + name + "-hf");
            E2e.deleteTree(folder);
            LoadedModel hf = ModelLoader.load(Phi3Folder.write(model, folder, 1024, PHI3_WINDOW));
            assertEquals(expected, hf.config(), "the config Swapgate's Hugging Face reader read back");
            assertSameWeights(model.weights(), hf.weights());
            try (EngineTarget engine = new EngineTarget(hf, 1, 4, 256)) {
                assertArrayEquals(
                        swapgate.tokenIds(), engine.greedy(PROMPT, STEPS).tokenIds(), "the Phi-3 folder");
            }
        }
        assertEquals(prompt.length, swapgate.usage().promptTokens(), "prompt tokens the engine processed");
        assertArrayEquals(
                reference.tokens(), swapgate.tokenIds(), name + ": Swapgate's engine vs the plain forward pass");

        LlamaCppPeer.Run exact = LlamaCppPeer.runWithLogProbabilities(file, prompt, STEPS);
        assertArrayEquals(
                swapgate.tokenIds(),
                exact.tokens().get(0),
                () -> name + ": llama.cpp (F32 KV cache, no flash attention) vs Swapgate\n" + exact.json());
        double largest = reference.largestLogProbabilityDifference(exact.logProbabilities());
        assertTrue(
                largest <= LOG_PROBABILITY_TOLERANCE,
                () -> name + ": llama.cpp's log-probabilities differ from the plain pass's by up to " + largest);
        double reported = GreedyReference.largestReportedDifference(
                swapgate.logprobs(), exact.logProbabilities(), LOG_PROBABILITY_TOLERANCE);
        assertTrue(
                reported <= LOG_PROBABILITY_TOLERANCE,
                () -> name
                        + ": the log-probabilities Swapgate reported (chosen and top 20) differ from llama.cpp's by up"
                        + " to " + reported);
        LlamaCppPeer.Run defaults = LlamaCppPeer.run(file, prompt, STEPS, 2, 2);
        for (int stream = 0; stream < 2; stream++) {
            assertArrayEquals(
                    swapgate.tokenIds(),
                    defaults.tokens().get(stream),
                    name + ": llama.cpp (its defaults, 2 threads) stream " + stream + " of 2 vs Swapgate\n"
                            + defaults.json());
        }
    }

    /**
     * Llama 3.1's rope scaling as llama.cpp's converter writes it into GGUF: a {@code rope_freqs} tensor dividing each
     * rope frequency (here 1 to 8 across the eight frequencies of a 16-wide head, so that 32 steps feel it). Swapgate
     * and llama.cpp agree as on any F32 file; without the tensor the same weights' log-probabilities move by far more
     * than the tolerance (asserted), so the test would notice the factors being ignored.
     */
    @org.junit.jupiter.api.Test
    void aRopeFrequencyFactorsTensorDividesTheFrequenciesAsInLlamaCpp() throws Exception {
        LlamaConfig shape = new LlamaConfig(64, 160, 2, 4, 2, 512, 1024, 1e-6f, 50000f, null, false);
        float[] factors = {1f, 1f, 1.5f, 2f, 3f, 5f, 8f, 8f};
        Path file = E2e.targetDir().resolve("peer").resolve("agreement-rope-freqs.gguf");
        Files.createDirectories(file.getParent());
        GgufWriter.llama(
                        "rope-freqs",
                        shape,
                        LlamaCppPeer.syntheticWeights(shape, ROPE_FACTORS_SEED),
                        SyntheticModels.vocabulary(shape.vocabSize()))
                .tensor("rope_freqs.weight", factors, factors.length)
                .write(file);
        LoadedModel model = ModelLoader.load(file);
        List<Float> read = model.config().ropeFrequencyFactors();
        assertEquals(factors.length, read.size());
        for (int i = 0; i < factors.length; i++) {
            assertEquals(factors[i], read.get(i), "factor " + i);
        }
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);
        GreedyReference reference = GreedyReference.of(model, prompt, STEPS);
        assertTrue(reference.smallestMargin() >= MIN_MARGIN, () -> "margin " + reference.smallestMargin());
        GreedyReference unscaled = GreedyReference.of(shape, model.weights(), prompt, STEPS);
        double moved = reference.largestLogProbabilityDifference(unscaled.logProbabilities());
        assertTrue(moved > 100 * LOG_PROBABILITY_TOLERANCE, () -> "the factors move log-probabilities by " + moved);
        CollectingListener.Completion swapgate;
        try (EngineTarget engine = new EngineTarget(model, 1, 4, 256)) {
            swapgate = engine.greedy(PROMPT, STEPS);
        }
        assertArrayEquals(reference.tokens(), swapgate.tokenIds(), "Swapgate's engine vs the plain forward pass");
        LlamaCppPeer.Run exact = LlamaCppPeer.runWithLogProbabilities(file, prompt, STEPS);
        assertArrayEquals(swapgate.tokenIds(), exact.tokens().get(0), () -> "llama.cpp\n" + exact.json());
        double largest = reference.largestLogProbabilityDifference(exact.logProbabilities());
        assertTrue(largest <= LOG_PROBABILITY_TOLERANCE, () -> "log-probabilities differ by up to " + largest);
    }

    /**
     * A SentencePiece vocabulary from GGUF tokenizes text as llama.cpp does with special tokens parsed (its chat paths):
     * control pieces ({@code <|end|>}, {@code <s>}) in the text become their own tokens, the text after one gets the
     * dummy space again, bytes outside the vocabulary fall back to byte tokens; and with {@code add_space_prefix} false
     * (Gemma's vocabularies) no dummy space at all.
     */
    @ParameterizedTest(name = "add_space_prefix {0}")
    @ValueSource(booleans = {true, false})
    void aSentencePieceVocabularyTokenizesTextAsLlamaCppDoes(boolean spacePrefix) throws Exception {
        LlamaConfig shape = new LlamaConfig(64, 160, 2, 4, 2, 512, 1024, 1e-6f, 50000f, null, false);
        Path file = E2e.targetDir().resolve("peer").resolve("tokenizer-space-" + spacePrefix + ".gguf");
        Files.createDirectories(file.getParent());
        GgufWriter.phi3(
                        "tokenizer",
                        shape,
                        LlamaCppPeer.syntheticWeights(shape, 7),
                        SyntheticModels.vocabulary(shape.vocabSize()),
                        0)
                .put("tokenizer.ggml.add_space_prefix", spacePrefix)
                .write(file);
        List<String> texts = List.of(
                "ab ac ad ae",
                "hello<|end|>world",
                "<|endoftext|> a b<|end|>",
                "x<|end|><|end|>y",
                "<s>ab</s> cd",
                "a  b\n c",
                " leading and trailing ",
                "caf\u00e9 \u6f22\u5b57 \ud83d\ude00");
        List<int[]> expected = LlamaCppPeer.tokenize(file, texts);
        LoadedModel model = ModelLoader.load(file);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(
                    expected.get(i), model.tokenizer().encode(texts.get(i)), "tokens of '" + texts.get(i) + "'");
        }
    }

    /**
     * Qwen2 (query/key/value biases) and Qwen3 (per-head query/key norms): no BOS, a byte-level BPE vocabulary.
     * Swapgate reads the Hugging Face folder,
     * llama.cpp the GGUF its converter would write for the same weights; the prompt's ids come from Swapgate's
     * tokenizer (through tokenizer.json) and are fed to llama.cpp as they are. Swapgate then reads that GGUF too and
     * gets the same weights, tokens and completion.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(QwenFiles.Family.class)
    void aQwenFolderDecodesWhatLlamaCppDecodesFromItsGguf(QwenFiles.Family family) throws Exception {
        // Qwen3's heads are twice dim / heads wide, as in Qwen3 0.6B (head_dim 128, hidden 1024, 16 heads).
        int headDim = family == QwenFiles.Family.QWEN2 ? 16 : 32;
        LlamaConfig shape =
                new LlamaConfig(64, 160, 2, 4, 2, headDim, QwenFiles.VOCAB, 1024, 1e-6f, 1e6f, null, false, null, null);
        long seed = family == QwenFiles.Family.QWEN2 ? QWEN2_SEED : QWEN3_SEED;
        LlamaWeights weights = qwenWeights(family, LlamaCppPeer.syntheticWeights(shape, seed), shape, seed);
        Path dir = E2e.targetDir().resolve("peer");
        String name = "agreement-" + family.modelType();
        E2e.deleteTree(dir.resolve(name + "-hf"));
        LoadedModel model = ModelLoader.load(QwenFiles.folder(dir.resolve(name + "-hf"), family, shape, weights));
        Path gguf = QwenFiles.gguf(dir.resolve(name + ".gguf"), family, shape, weights);
        assertEquals(shape, model.config(), "the config, its sliding window switched off");
        assertSameWeights(weights, model.weights());
        assertSameExtras(weights, model.weights());
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);
        assertTrue(prompt.length >= 4 && prompt[0] != QwenFiles.END, "no BOS: " + Arrays.toString(prompt));
        LoadedModel fromGguf = assertFolderAgreesWithItsGguf(
                        family.name(), model, gguf, shape, LOG_PROBABILITY_TOLERANCE)
                .fromGguf();
        // The byte-level BPE vocabulary rebuilt from the GGUF tokenizes as the folder's tokenizer.json does.
        for (String text : new String[] {PROMPT, "the cat, 42 dogs!\nyes"}) {
            assertArrayEquals(
                    model.tokenizer().encodePrompt(text), fromGguf.tokenizer().encodePrompt(text), "tokens of " + text);
        }
    }

    /**
     * Gemma 2 (soft caps of attention scores and logits) and Gemma 3 (per-head q/k norms, linear rope scaling of global
     * layers, a rope base of its own for sliding ones), both with a head size twice dim / heads, GeGLU, norms after
     * attention and the feed-forward, and every second layer attending over a window of {@value #GEMMA_WINDOW} positions,
     * which the 32 steps outgrow. Swapgate reads the Hugging Face folder (norms stored as w of Gemma's 1 + w), llama.cpp
     * the GGUF its converter would write; the caps are set low so that they bend most scores and logits. llama.cpp
     * rounds GELU's input to F16 (a table lookup), so log-probabilities agree to {@value #GEMMA_TOLERANCE} (measured 5.6e-4 and 7.0e-4), not 1e-4;
     * the plain pass and Swapgate's engine, both exact, agree to 1e-4.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(GemmaFiles.Family.class)
    void aGemmaFolderDecodesWhatLlamaCppDecodesFromItsGguf(GemmaFiles.Family family) throws Exception {
        boolean gemma2 = family == GemmaFiles.Family.GEMMA2;
        float ropeTheta = gemma2 ? 10000f : 1e6f;
        LlamaConfig.Gemma traits = gemma2
                ? new LlamaConfig.Gemma(32, 1f, 3f, GEMMA_WINDOW, 2, ropeTheta, 1f)
                : new LlamaConfig.Gemma(32, 0f, 0f, GEMMA_WINDOW, 2, 10000f, 8f);
        LlamaConfig shape = new LlamaConfig(
                64, 160, 2, 4, 2, 32, QwenFiles.VOCAB, 1024, 1e-6f, ropeTheta, null, true, traits, null);
        long seed = gemma2 ? GEMMA2_SEED : GEMMA3_SEED;
        LlamaWeights weights = GemmaFiles.weights(shape, family, seed);
        Path dir = E2e.targetDir().resolve("peer");
        String name = "agreement-" + family.arch;
        E2e.deleteTree(dir.resolve(name + "-hf"));
        LoadedModel model = ModelLoader.load(GemmaFiles.folder(dir.resolve(name + "-hf"), family, shape, weights));
        Path gguf = GemmaFiles.gguf(dir.resolve(name + ".gguf"), family, shape, weights);
        assertEquals(shape, model.config(), "the config Swapgate's Hugging Face reader read back");
        assertSameWeights(weights, model.weights());
        assertSameExtras(weights, model.weights());
        Agreement agreement = assertFolderAgreesWithItsGguf(family.name(), model, gguf, shape, GEMMA_TOLERANCE);
        System.out.printf(
                "%s: smallest margin %.4f, log-probabilities vs llama.cpp %.2e (reported %.2e), vs the plain pass %.2e%n",
                family, agreement.margin(), agreement.largest(), agreement.reported(), agreement.exactEngines());
    }

    /** What {@link #assertFolderAgreesWithItsGguf} measured, and Swapgate's reading of the GGUF. */
    private record Agreement(
            double margin, double largest, double reported, double exactEngines, LoadedModel fromGguf) {}

    /**
     * The checks a Hugging Face folder and the GGUF llama.cpp's converter writes for it share. The plain pass over the
     * folder's weights has a smallest top-2 margin of at least {@value #MIN_MARGIN}; Swapgate's engine decodes its
     * greedy tokens and reports log-probabilities within {@value #LOG_PROBABILITY_TOLERANCE} of it; llama.cpp, on the
     * GGUF, decodes the same tokens with log-probabilities within {@code tolerance} of both; and Swapgate reads the
     * GGUF to the same config, weights and completion.
     */
    private static Agreement assertFolderAgreesWithItsGguf(
            String name, LoadedModel model, Path gguf, LlamaConfig shape, double tolerance) throws Exception {
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);
        GreedyReference reference = GreedyReference.of(model, prompt, STEPS);
        assertTrue(reference.smallestMargin() >= MIN_MARGIN, () -> name + ": margin " + reference.smallestMargin());
        CollectingListener.Completion swapgate;
        try (EngineTarget engine = new EngineTarget(model, 1, 4, 256)) {
            swapgate = engine.greedy(PROMPT, STEPS);
        }
        assertArrayEquals(reference.tokens(), swapgate.tokenIds(), name + ": Swapgate's engine vs the plain pass");
        double exactEngines = GreedyReference.largestReportedDifference(
                swapgate.logprobs(), reference.logProbabilities(), LOG_PROBABILITY_TOLERANCE);
        assertTrue(
                exactEngines <= LOG_PROBABILITY_TOLERANCE,
                () -> name + ": Swapgate's log-probabilities differ from the plain pass's by " + exactEngines);
        LlamaCppPeer.Run exact = LlamaCppPeer.runWithLogProbabilities(gguf, prompt, STEPS);
        assertArrayEquals(
                swapgate.tokenIds(), exact.tokens().get(0), () -> "llama.cpp's " + name + "\n" + exact.json());
        double largest = reference.largestLogProbabilityDifference(exact.logProbabilities());
        assertTrue(largest <= tolerance, () -> name + ": log-probabilities differ by up to " + largest);
        double reported =
                GreedyReference.largestReportedDifference(swapgate.logprobs(), exact.logProbabilities(), tolerance);
        assertTrue(reported <= tolerance, () -> name + ": reported log-probabilities differ by " + reported);

        // Swapgate reads the GGUF too: its vocabulary, biases, norms, traits and rope order.
        LoadedModel fromGguf = ModelLoader.load(gguf);
        assertEquals(shape, fromGguf.config());
        assertSameWeights(model.weights(), fromGguf.weights());
        assertSameExtras(model.weights(), fromGguf.weights());
        try (EngineTarget engine = new EngineTarget(fromGguf, 1, 4, 256)) {
            assertArrayEquals(swapgate.tokenIds(), engine.greedy(PROMPT, STEPS).tokenIds(), name + ": the GGUF");
        }
        return new Agreement(reference.smallestMargin(), largest, reported, exactEngines, fromGguf);
    }

    /**
     * The weights with Qwen2's seeded q/k/v biases (uniform in +-0.3) or Qwen3's seeded head norms (0.7 to 1.3), and a
     * zero classifier row for the end token.
     */
    private static LlamaWeights qwenWeights(
            QwenFiles.Family family, LlamaWeights weights, LlamaConfig shape, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<LayerWeights> layers = new java.util.ArrayList<>();
        for (LayerWeights w : weights.layers()) {
            boolean qwen2 = family == QwenFiles.Family.QWEN2;
            layers.add(new LayerWeights(
                    w.attentionNorm(),
                    w.query(),
                    w.key(),
                    w.value(),
                    w.output(),
                    w.ffnNorm(),
                    w.gate(),
                    w.up(),
                    w.down(),
                    qwen2 ? uniform(random, "qkv_bias", shape.queryDim() + 2 * shape.kvDim(), 0, 0.3) : null,
                    qwen2 ? null : uniform(random, "q_norm", shape.headDim(), 1, 0.3),
                    qwen2 ? null : uniform(random, "k_norm", shape.headDim(), 1, 0.3),
                    null,
                    null));
        }
        float[] classifier = weights.classifier().data().clone();
        Arrays.fill(classifier, QwenFiles.END * shape.dim(), (QwenFiles.END + 1) * shape.dim(), 0f);
        return new LlamaWeights(
                        weights.embedding(),
                        layers,
                        weights.finalNorm(),
                        new FloatTensor("classifier", weights.classifier().shape(), classifier))
                .validate(shape);
    }

    private static FloatTensor uniform(java.util.Random random, String name, int n, double center, double spread) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (center + (random.nextDouble() * 2 - 1) * spread);
        }
        return new FloatTensor(name, new int[] {n}, values);
    }

    /** The biases and head norms, where the blocks have them. */
    private static void assertSameExtras(LlamaWeights expected, LlamaWeights actual) {
        for (int l = 0; l < expected.layers().size(); l++) {
            LayerWeights e = expected.layers().get(l);
            LayerWeights a = actual.layers().get(l);
            FloatTensor[][] pairs = {
                {e.qkvBias(), a.qkvBias()},
                {e.queryNorm(), a.queryNorm()},
                {e.keyNorm(), a.keyNorm()},
                {e.postAttentionNorm(), a.postAttentionNorm()},
                {e.postFeedForwardNorm(), a.postFeedForwardNorm()}
            };
            for (FloatTensor[] pair : pairs) {
                assertEquals(pair[0] == null, pair[1] == null, "layer " + l);
                if (pair[0] != null) {
                    assertArrayEquals(pair[0].data(), pair[1].data(), "layer " + l + " " + pair[0].name());
                }
            }
        }
    }

    /** The writer and Swapgate's reader round-trip every tensor exactly (the rope permutation included). */
    private static void assertSameWeights(LlamaWeights written, LlamaWeights read) {
        assertArrayEquals(written.embedding().data(), read.embedding().data(), "token_embd");
        assertArrayEquals(written.classifier().data(), read.classifier().data(), "classifier");
        assertArrayEquals(written.finalNorm().data(), read.finalNorm().data(), "output_norm");
        for (int l = 0; l < written.layers().size(); l++) {
            List<FloatTensor> expected = written.layers().get(l).matrices();
            List<FloatTensor> actual = read.layers().get(l).matrices();
            for (int t = 0; t < expected.size(); t++) {
                assertArrayEquals(
                        expected.get(t).data(),
                        actual.get(t).data(),
                        "layer " + l + ", " + actual.get(t).name());
            }
        }
    }
}
