package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantized GGUF files mean the same model to llama.cpp and to Swapgate. A seeded synthetic Llama is written by the
 * test code ({@link GgmlQuantizer}) in the mixes llama.cpp itself produces for the files people download: Q4_K_M (Q4_K
 * with Q6_K on the value, down and output projections), Q5_K_M (Q5_K and Q6_K), a file holding every legacy block
 * type (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), and F16 and BF16 files. Swapgate decodes each tensor to float32 at load;
 * llama.cpp (node-llama-cpp's prebuilt CPU build) computes on the blocks directly.
 *
 * <p>Checked: the weights Swapgate decoded are the written ones up to quantization error; its engine's 32 greedy tokens
 * equal a plain Java forward pass over those weights and llama.cpp's; and at every step llama.cpp's log-probability of
 * every vocabulary entry is within {@value #LOG_PROBABILITY_TOLERANCE} of the plain pass's. llama.cpp rounds the
 * activations to 8 bits before each quantized product (Q8_K or Q8_0 blocks), which moved log-probabilities by at most
 * 0.030-0.036 in these cases (with F32 weights the two agree to about 1e-6); a misread block moves them by whole units,
 * so the tolerance separates the two. Greedy equality proves something only away from near ties, so each case's seed
 * was searched (seeds 1-400) for the largest smallest top-2 margin over the 32 steps, and the test asserts at least
 * {@value #MIN_MARGIN}. Rows are 256 and 512 values long: whole K-quant super-blocks, as llama.cpp requires.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class QuantizedGgufAgreementIT {

    private static final String PROMPT = "ab ac ad ae";
    private static final int STEPS = 32;
    private static final double MIN_MARGIN = 0.05;
    private static final double LOG_PROBABILITY_TOLERANCE = 0.05;
    private static final long LORA_BASE_SEED = 146;
    private static final long LORA_SEED = 277;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "Q4_K_M, 146, 0.12, 'gguf, Q4_K, Q6_K decoded to float32'",
        "Q5_K_M, 188, 0.06, 'gguf, Q5_K, Q6_K decoded to float32'",
        "LEGACY, 313, 0.12, 'gguf, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 decoded to float32'",
        "F16, 313, 0.001, gguf",
        "BF16, 313, 0.005, gguf"
    })
    void llamaCppAndSwapgateAgreeOnAQuantizedFile(
            GgufWriter.Quantization quantization, long seed, double maxRelativeError, String format) throws Exception {
        LlamaConfig shape = new LlamaConfig(256, 512, 2, 4, 2, 512, 1024, 1e-6f, 50000f, null, false);
        Path file = E2e.targetDir().resolve("peer").resolve("agreement-" + quantization + ".gguf");
        Files.deleteIfExists(file);
        LlamaCppPeer.syntheticGguf(file, shape, seed, quantization);

        LoadedModel model = ModelLoader.load(file);
        assertEquals(shape, model.config(), "the config Swapgate's GGUF reader read back");
        assertEquals(format, model.format(), "the format the startup log shows");
        assertCloseWeights(LlamaCppPeer.syntheticWeights(shape, seed), model.weights(), maxRelativeError);
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);

        GreedyReference reference = GreedyReference.of(model, prompt, STEPS);
        assertTrue(
                reference.smallestMargin() >= MIN_MARGIN,
                () -> quantization + ": the smallest top-2 logit margin over " + STEPS + " steps is "
                        + reference.smallestMargin() + ", a near tie that rounding may flip; pick another seed");

        CollectingListener.Completion swapgate;
        try (EngineTarget engine = new EngineTarget(model, 1, 4, 256)) {
            swapgate = engine.greedy(PROMPT, STEPS);
        }
        assertArrayEquals(
                reference.tokens(), swapgate.tokenIds(), quantization + ": Swapgate's engine vs the plain pass");

        LlamaCppPeer.Run llamaCpp = LlamaCppPeer.runWithLogProbabilities(file, prompt, STEPS);
        assertArrayEquals(
                swapgate.tokenIds(), llamaCpp.tokens().get(0), () -> quantization + ": llama.cpp vs Swapgate");
        double largest = reference.largestLogProbabilityDifference(llamaCpp.logProbabilities());
        assertTrue(
                largest <= LOG_PROBABILITY_TOLERANCE,
                () -> quantization + ": llama.cpp's log-probabilities differ from the plain pass's by up to "
                        + largest);
        double reported = GreedyReference.largestReportedDifference(
                swapgate.logprobs(), llamaCpp.logProbabilities(), LOG_PROBABILITY_TOLERANCE);
        assertTrue(
                reported <= LOG_PROBABILITY_TOLERANCE,
                () -> quantization + ": Swapgate's reported log-probabilities differ from llama.cpp's by up to "
                        + reported);
    }

    /**
     * A LoRA on a quantized base: Swapgate applies it in its batched path (B A x added to the dequantized base's
     * output), llama.cpp as a GGUF LoRA adapter over its quantized product. Both decode what a plain pass over the
     * independently merged weights W + (alpha / rank) B A decodes, and the LoRA changes what the base alone decodes.
     */
    @Test
    void aLoraOnAQuantizedBaseMeansTheSameToLlamaCpp() throws Exception {
        LlamaConfig shape = new LlamaConfig(256, 512, 2, 4, 2, 512, 1024, 1e-6f, 50000f, null, false);
        Path base = E2e.targetDir().resolve("peer").resolve("agreement-lora-base-Q4_K_M.gguf");
        Files.deleteIfExists(base);
        LlamaCppPeer.syntheticGguf(base, shape, LORA_BASE_SEED, GgufWriter.Quantization.Q4_K_M);
        LoadedModel model = ModelLoader.load(base);
        LoraAdapter lora = randomLora(shape, LORA_SEED);
        Path loraFile = E2e.targetDir().resolve("peer").resolve("agreement-lora.gguf");
        GgufWriter.lora(shape, lora).write(loraFile);
        int[] prompt = model.tokenizer().encodePrompt(PROMPT);

        GreedyReference withoutLora = GreedyReference.of(model, prompt, STEPS);
        GreedyReference reference = GreedyReference.of(shape, merged(model.weights(), lora), prompt, STEPS);
        assertTrue(
                reference.smallestMargin() >= MIN_MARGIN,
                () -> "the smallest top-2 logit margin with the LoRA is " + reference.smallestMargin());
        assertFalse(Arrays.equals(withoutLora.tokens(), reference.tokens()), "the LoRA changes the greedy tokens");

        CollectingListener.Completion swapgate;
        try (EngineTarget engine = new EngineTarget(model, 1, 4, 256)) {
            swapgate = engine.greedy(PROMPT, STEPS, new AdapterSelection(lora, lora.rank(), null, null, null));
        }
        assertArrayEquals(reference.tokens(), swapgate.tokenIds(), "Swapgate's LoRA vs the merged weights");

        LlamaCppPeer.Run llamaCpp = LlamaCppPeer.runWithLogProbabilities(base, loraFile, prompt, STEPS);
        assertArrayEquals(swapgate.tokenIds(), llamaCpp.tokens().get(0), "llama.cpp with the LoRA vs Swapgate");
        double largest = reference.largestLogProbabilityDifference(llamaCpp.logProbabilities());
        assertTrue(
                largest <= LOG_PROBABILITY_TOLERANCE,
                () -> "llama.cpp's log-probabilities with the LoRA differ from the merged pass's by up to " + largest);
        double reported = GreedyReference.largestReportedDifference(
                swapgate.logprobs(), llamaCpp.logProbabilities(), LOG_PROBABILITY_TOLERANCE);
        assertTrue(
                reported <= LOG_PROBABILITY_TOLERANCE,
                () -> "Swapgate's log-probabilities through the LoRA differ from llama.cpp's by up to " + reported);
    }

    /** A rank-8 LoRA on every module of every layer, A uniform in ±1/sqrt(in) and B in ±0.5/sqrt(rank), alpha 16. */
    private static LoraAdapter randomLora(LlamaConfig shape, long seed) {
        java.util.Random random = new java.util.Random(seed);
        int rank = 8;
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        for (LoraModule module : LoraModule.values()) {
            LoraAdapter.LayerFactors[] layers = new LoraAdapter.LayerFactors[shape.layers()];
            for (int l = 0; l < layers.length; l++) {
                int in = module.inputs(shape);
                int out = module.outputs(shape);
                layers[l] = new LoraAdapter.LayerFactors(
                        uniform(random, "a", rank, in, 1 / Math.sqrt(in)),
                        uniform(random, "b", out, rank, 0.5 / Math.sqrt(rank)));
            }
            modules.put(module, layers);
        }
        return new LoraAdapter(new AdapterIdentity("agreement-lora", "1"), rank, 16f, false, null, modules);
    }

    private static FloatTensor uniform(java.util.Random random, String name, int rows, int cols, double bound) {
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new FloatTensor(name, new int[] {rows, cols}, data);
    }

    /** W + (alpha / rank) B A for every adapted matrix, computed here in double, apart from Swapgate's LoRA path. */
    private static LlamaWeights merged(LlamaWeights base, LoraAdapter lora) {
        List<LayerWeights> layers = new ArrayList<>();
        double scale = lora.alpha() / lora.rank();
        for (int l = 0; l < base.layers().size(); l++) {
            LayerWeights w = base.layers().get(l);
            Map<LoraModule, FloatTensor> merged = new EnumMap<>(LoraModule.class);
            for (Map.Entry<LoraModule, LoraAdapter.LayerFactors[]> module :
                    lora.modules().entrySet()) {
                LoraAdapter.LayerFactors factors = module.getValue()[l];
                FloatTensor weight = module.getKey().weightIn(w);
                int out = weight.shape()[0];
                int in = weight.shape()[1];
                float[] data = weight.data().clone();
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double update = 0;
                        for (int r = 0; r < lora.rank(); r++) {
                            update += factors.b().data()[o * lora.rank() + r]
                                    * (double) factors.a().data()[r * in + i];
                        }
                        data[o * in + i] += (float) (scale * update);
                    }
                }
                merged.put(module.getKey(), new FloatTensor(weight.name(), weight.shape(), data));
            }
            layers.add(LoraModule.replaced(w, merged));
        }
        return new LlamaWeights(base.embedding(), layers, base.finalNorm(), base.classifier());
    }

    /** Every matrix Swapgate decoded is the written one up to quantization error, relative to its RMS; vectors are exact. */
    private static void assertCloseWeights(LlamaWeights written, LlamaWeights read, double maxRelativeError) {
        List<FloatTensor[]> pairs = new ArrayList<>();
        pairs.add(new FloatTensor[] {written.embedding(), read.embedding()});
        pairs.add(new FloatTensor[] {written.classifier(), read.classifier()});
        pairs.add(new FloatTensor[] {written.finalNorm(), read.finalNorm()});
        for (int l = 0; l < written.layers().size(); l++) {
            List<FloatTensor> w = written.layers().get(l).matrices();
            List<FloatTensor> r = read.layers().get(l).matrices();
            for (int t = 0; t < w.size(); t++) {
                pairs.add(new FloatTensor[] {w.get(t), r.get(t)});
            }
        }
        for (FloatTensor[] pair : pairs) {
            float[] expected = pair[0].data();
            float[] actual = pair[1].data();
            assertEquals(expected.length, actual.length, pair[1].name());
            if (pair[0].shape().length == 1) {
                assertArrayEquals(expected, actual, pair[1].name() + " (a vector, stored as F32)");
                continue;
            }
            double error = 0;
            double energy = 0;
            for (int i = 0; i < expected.length; i++) {
                error += (expected[i] - actual[i]) * (double) (expected[i] - actual[i]);
                energy += expected[i] * (double) expected[i];
            }
            double relative = Math.sqrt(error / energy);
            assertTrue(
                    relative > 0 && relative <= maxRelativeError,
                    () -> pair[1].name() + ": relative RMS error " + relative + " (a quantized matrix should be within "
                            + maxRelativeError + ", and not exact)");
        }
    }
}
