package io.swapgate.core.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ScalarLlama2cReference;
import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.model.RotaryLayout;
import io.swapgate.core.runtime.ForwardBatch;
import io.swapgate.core.runtime.KvCache;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.LoraSlotTable;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.core.sampling.TokenSampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each adapter kind against a reference computed another way: LoRA and DyLoRA against merged weights, prompt
 * tuning against feeding the virtual embeddings by hand, prefix tuning against a hand-filled KV cache (both in the
 * independent scalar implementation), TempNet against temperatures computed outside the engine.
 */
class AdapterEquivalenceTest {

    private static final String PROMPT = "Once upon a time";
    private static final int NEW_TOKENS = 40;

    @TempDir
    static Path dir;

    static TestAdapters adapters;
    static int[] promptTokens;

    @BeforeAll
    static void setUp() {
        adapters = new TestAdapters(dir, 42);
        promptTokens = adapters.model.tokenizer().encodePrompt(PROMPT);
    }

    @Test
    void loraEqualsMergedWeights() throws Exception {
        for (boolean rsLora : new boolean[] {false, true}) {
            LoraAdapter lora = adapters.roundTrip(
                    adapters.random.lora("lora-" + rsLora, 4, 8f, rsLora, 0, TestAdapters.ALL_MODULES));
            assertLoraMatchesMerged(lora, lora.rank());
        }
    }

    @Test
    void dyLoraServedAtAReducedRankEqualsItsTruncatedMerge() throws Exception {
        LoraAdapter dyLora =
                adapters.roundTrip(adapters.random.lora("dylora", 8, 16f, false, 2, TestAdapters.ALL_MODULES));
        assertEquals(new LoraAdapter.RankRange(2, 8), dyLora.dyLora());
        for (int rank : new int[] {2, 5, 8}) {
            assertLoraMatchesMerged(dyLora, rank);
        }
    }

    /**
     * A weighted blend of LoRAs (different ranks and modules, an rsLoRA, a DyLoRA at its full rank, a negative weight)
     * served in the batched path equals the base with each part's weighted update merged in, computed part by part.
     */
    @Test
    void aWeightedLoraBlendEqualsItsPartsMergedWithTheirWeights() throws Exception {
        LoraAdapter first =
                adapters.roundTrip(adapters.random.lora("blend-a", 3, 6f, false, 0, TestAdapters.ALL_MODULES));
        LoraAdapter second = adapters.roundTrip(adapters.random.lora(
                "blend-b", 2, 4f, true, 0, java.util.EnumSet.of(LoraModule.Q, LoraModule.V, LoraModule.DOWN)));
        LoraAdapter third = adapters.roundTrip(
                adapters.random.lora("blend-c", 3, 3f, false, 1, java.util.EnumSet.of(LoraModule.UP)));
        List<LoraMixture.Part> parts = List.of(
                new LoraMixture.Part(first, 0.7f),
                new LoraMixture.Part(second, -0.4f),
                new LoraMixture.Part(third, 1.5f));
        LoraAdapter blend = LoraMixture.of(parts);
        assertEquals(8, blend.rank());
        LlamaWeights merged = adapters.model.weights();
        for (LoraMixture.Part part : parts) {
            merged = merge(merged, part.lora(), part.lora().rank(), part.weight());
        }
        AdapterSelection selection =
                AdapterSelection.of(List.of(first, second, third), java.util.Arrays.asList(0.7f, -0.4f, 1.5f), 0);
        assertEquals(parts, selection.mixture());
        assertServedEqualsMerged(selection.lora(), selection.loraRank(), merged);
    }

    /**
     * IA3 (its PEFT files written and read back: k/v outputs and o/down inputs scaled) served in the batched path equals
     * the base with each scaled weight's rows (outputs) or columns (inputs) multiplied by the learned vector, computed
     * here independently.
     */
    @Test
    void ia3EqualsTheBaseWithItsScalesMergedIn() throws Exception {
        // Its own random stream: the shared one's draws decide the other tests' adapters.
        RandomAdapters random = new RandomAdapters(adapters.model.config(), 24);
        LoraAdapter ia3 = adapters.roundTrip(random.ia3(
                "ia3",
                java.util.EnumSet.of(LoraModule.K, LoraModule.V),
                java.util.EnumSet.of(LoraModule.O, LoraModule.DOWN)));
        assertTrue(ia3.ia3(), "the scales survive the PEFT files");
        LlamaWeights base = adapters.model.weights();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < base.layers().size(); l++) {
            LayerWeights w = base.layers().get(l);
            java.util.Map<LoraModule, FloatTensor> merged = new java.util.EnumMap<>(LoraModule.class);
            for (var entry : ia3.modules().entrySet()) {
                LoraAdapter.LayerFactors f = entry.getValue()[l];
                FloatTensor weight = entry.getKey().weightIn(w);
                int in = weight.shape()[1];
                float[] data = weight.data().clone();
                for (int i = 0; i < data.length; i++) {
                    data[i] *= f.inputScale() != null
                            ? f.inputScale().data()[i % in]
                            : f.outputScale().data()[i / in];
                }
                merged.put(entry.getKey(), new FloatTensor(weight.name(), weight.shape(), data));
            }
            layers.add(LoraModule.replaced(w, merged));
        }
        assertServedEqualsMerged(
                ia3, ia3.rank(), new LlamaWeights(base.embedding(), layers, base.finalNorm(), base.classifier()));
    }

    /**
     * DoRA (its PEFT files written and read back) served in the batched path equals the base with every adapted weight
     * replaced by m * (W + s B A) / ||W + s B A||, the norm taken per output row, computed here independently.
     */
    @Test
    void doraEqualsItsMagnitudeNormalisedMergedWeight() throws Exception {
        LoraAdapter dora = adapters.roundTrip(adapters.random.dora(
                "dora",
                4,
                8f,
                TestAdapters.ALL_MODULES,
                adapters.model.weights().layers()));
        assertTrue(dora.dora(), "the magnitudes survive the PEFT files");
        LlamaWeights base = adapters.model.weights();
        float s = dora.scale(dora.rank());
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < base.layers().size(); l++) {
            LayerWeights w = base.layers().get(l);
            java.util.Map<LoraModule, FloatTensor> merged = new java.util.EnumMap<>(LoraModule.class);
            for (LoraModule module : LoraModule.values()) {
                merged.put(module, doraMerge(module.weightIn(w), dora.modules().get(module)[l], dora.rank(), s));
            }
            layers.add(LoraModule.replaced(w, merged));
        }
        LlamaWeights mergedWeights = new LlamaWeights(base.embedding(), layers, base.finalNorm(), base.classifier());
        assertServedEqualsMerged(dora, dora.rank(), mergedWeights);
        LlamaWeights plainLora = merge(base, dora, dora.rank(), 1f);
        assertFalse(
                Arrays.equals(
                        plainLora.layers().get(0).query().data(),
                        mergedWeights.layers().get(0).query().data()),
                "the magnitudes must matter");
    }

    /** m * (W + s B A) / ||W + s B A||_row, in double. */
    private static FloatTensor doraMerge(FloatTensor weight, LoraAdapter.LayerFactors f, int rank, float s) {
        int out = weight.shape()[0];
        int in = weight.shape()[1];
        float[] merged = new float[out * in];
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            double squares = 0;
            for (int i = 0; i < in; i++) {
                double delta = 0;
                for (int j = 0; j < rank; j++) {
                    delta += (double) f.b().data()[o * rank + j] * f.a().data()[j * in + i];
                }
                row[i] = weight.data()[o * in + i] + s * delta;
                squares += row[i] * row[i];
            }
            double scale = f.magnitude().data()[o] / Math.sqrt(squares);
            for (int i = 0; i < in; i++) {
                merged[o * in + i] = (float) (row[i] * scale);
            }
        }
        return new FloatTensor(weight.name(), weight.shape(), merged);
    }

    private void assertLoraMatchesMerged(LoraAdapter lora, int rank) throws Exception {
        assertServedEqualsMerged(lora, rank, merge(adapters.model.weights(), lora, rank, 1f));
    }

    private void assertServedEqualsMerged(LoraAdapter lora, int rank, LlamaWeights mergedWeights) throws Exception {
        LoadedModel model = adapters.model;
        LoadedModel merged = new LoadedModel(
                model.name(), model.source(), model.format(), model.config(), mergedWeights, model.tokenizer());
        try (LlamaRuntime runtime = runtime(model);
                LlamaRuntime mergedRuntime = runtime(merged);
                KvCache cache = runtime.newKvCache(1, 64);
                KvCache mergedCache = mergedRuntime.newKvCache(1, 64);
                LoraSlotTable table = runtime.newLoraSlotTable(2, 8)) {
            table.write(2, lora);
            ForwardBatch.LoraUse use = new ForwardBatch.LoraUse(2, rank, lora.scale(rank));
            float[] withAdapter = runtime.forward(
                            Logits.single(new ForwardBatch.Row(0, 0, promptTokens, use, null)), cache, table)
                    .logits()[0];
            float[] reference = mergedRuntime.forward(
                            Logits.single(new ForwardBatch.Row(0, 0, promptTokens)), mergedCache, null)
                    .logits()[0];
            Logits.assertClose(reference, withAdapter, "LoRA " + lora.identity().name() + " at rank " + rank);
            float[] base = runtime.forward(Logits.single(new ForwardBatch.Row(0, 0, promptTokens)), cache, table)
                    .logits()[0];
            assertFalse(Logits.maxDifference(base, withAdapter) < 0.01f, "the adapter must change the logits");
        }
        AdapterSelection selection = new AdapterSelection(lora, rank, null, null, null);
        try (ServingFixture served = new ServingFixture(model);
                ServingFixture mergedServed = new ServingFixture(merged)) {
            int[] tokens = served.generate(request(selection, SamplingParams.greedy(), false))
                    .tokenIds();
            assertArrayEquals(mergedServed.greedy(PROMPT, NEW_TOKENS).tokenIds(), tokens);
            assertFalse(
                    Arrays.equals(served.greedy(PROMPT, NEW_TOKENS).tokenIds(), tokens),
                    "the adapter must change the text");
        }
    }

    @Test
    void promptTuningEqualsFeedingTheVirtualEmbeddingsFirst() throws Exception {
        PromptAdapter prompt = adapters.roundTrip(adapters.random.prompt("prompt", 5));
        ScalarLlama2cReference scalar = scalar();
        FloatTensor virtual = prompt.embeddings();
        int dim = adapters.model.config().dim();
        float[] logits = null;
        int pos = 0;
        for (int j = 0; j < prompt.virtualTokens(); j++) {
            logits = scalar.forwardEmbedding(Arrays.copyOfRange(virtual.data(), j * dim, (j + 1) * dim), pos++);
        }
        for (int token : promptTokens) {
            logits = scalar.forward(token, pos++);
        }
        int[] rowTokens = new int[prompt.virtualTokens() + promptTokens.length];
        for (int j = 0; j < prompt.virtualTokens(); j++) {
            rowTokens[j] = -(j + 1);
        }
        System.arraycopy(promptTokens, 0, rowTokens, prompt.virtualTokens(), promptTokens.length);
        try (LlamaRuntime runtime = runtime(adapters.model);
                KvCache cache = runtime.newKvCache(1, 64)) {
            float[] served = runtime.forward(
                            Logits.single(new ForwardBatch.Row(0, 0, rowTokens, null, virtual)), cache, null)
                    .logits()[0];
            Logits.assertClose(logits, served, "prompt tuning");
        }
        int[] expected = continueGreedy(scalar, logits, pos);
        assertGreedyGeneration(new AdapterSelection(null, 0, prompt, null, null), expected);
    }

    @Test
    void prefixTuningEqualsAHandFilledCache() throws Exception {
        PrefixAdapter prefix = adapters.roundTrip(adapters.random.prefix("prefix", 6));
        ScalarLlama2cReference scalar = scalar();
        var config = adapters.model.config();
        for (int l = 0; l < config.layers(); l++) {
            // The adapter's keys follow Hugging Face's rotate-half order; the scalar cache uses interleaved pairs.
            float[] keys = RotaryLayout.halvesToInterleaved(
                    prefix.cacheEntries(l, false), prefix.virtualTokens() * config.kvHeads(), config.headDim(), 1);
            float[] values = prefix.cacheEntries(l, true);
            for (int t = 0; t < prefix.virtualTokens(); t++) {
                scalar.writeCache(
                        l,
                        t,
                        Arrays.copyOfRange(keys, t * config.kvDim(), (t + 1) * config.kvDim()),
                        Arrays.copyOfRange(values, t * config.kvDim(), (t + 1) * config.kvDim()));
            }
        }
        float[] logits = null;
        int pos = prefix.virtualTokens();
        for (int token : promptTokens) {
            logits = scalar.forward(token, pos++);
        }
        try (LlamaRuntime runtime = runtime(adapters.model);
                KvCache cache = runtime.newKvCache(2, 64)) {
            runtime.writePrefix(cache, 1, prefix);
            float[] served = runtime.forward(
                            Logits.single(new ForwardBatch.Row(1, prefix.virtualTokens(), promptTokens)), cache, null)
                    .logits()[0];
            Logits.assertClose(logits, served, "prefix tuning");
        }
        int[] expected = continueGreedy(scalar, logits, pos);
        assertGreedyGeneration(new AdapterSelection(null, 0, null, prefix, null), expected);
    }

    /** The request's temperature multiplies the TempNet's (1 when unset, so the TempNet's own choice). */
    @Test
    void tempNetTemperaturesEqualThoseComputedOutsideTheEngine() throws Exception {
        for (TempNetAdapter.Input input : TempNetAdapter.Input.values()) {
            assertTempNetSampling(input, 1f);
        }
        assertTempNetSampling(TempNetAdapter.Input.HIDDEN, 0.6f);
    }

    @Test
    void aGreedyRequestStaysGreedyWithATempNet() throws Exception {
        TempNetAdapter tempNet =
                adapters.roundTrip(adapters.random.tempNet("tempnet-greedy", TempNetAdapter.Input.LOGITS, 16));
        try (ServingFixture served = new ServingFixture(adapters.model)) {
            CollectingListener.Completion plain =
                    served.generate(request(AdapterSelection.NONE, SamplingParams.greedy(), true));
            CollectingListener.Completion withTempNet = served.generate(
                    request(new AdapterSelection(null, 0, null, null, tempNet), SamplingParams.greedy(), true));
            assertArrayEquals(plain.tokenIds(), withTempNet.tokenIds());
            for (float temperature : withTempNet.temperatures()) {
                assertEquals(0f, temperature);
            }
        }
    }

    private void assertTempNetSampling(TempNetAdapter.Input input, float requested) throws Exception {
        TempNetAdapter tempNet = adapters.roundTrip(adapters.random.tempNet("tempnet-" + input, input, 16));
        SamplingParams sampling = SamplingParams.sampled(requested, 1234);
        ScalarLlama2cReference scalar = scalar();
        TokenSampler sampler =
                new TokenSampler(sampling, adapters.model.config().vocabSize(), promptTokens);
        List<Integer> tokens = new ArrayList<>();
        List<Float> temperatures = new ArrayList<>();
        float[] logits = null;
        int pos = 0;
        for (int token : promptTokens) {
            logits = scalar.forward(token, pos++);
        }
        while (tokens.size() < NEW_TOKENS) {
            float tau = requested
                    * referenceTemperature(
                            tempNet, input == TempNetAdapter.Input.LOGITS ? logits : scalar.lastHidden());
            int token = sampler.next(logits.clone(), tau);
            if (adapters.model.tokenizer().endsSequence(token)) {
                break;
            }
            tokens.add(token);
            temperatures.add(tau);
            logits = scalar.forward(token, pos++);
        }
        try (ServingFixture served = new ServingFixture(adapters.model)) {
            CollectingListener.Completion c =
                    served.generate(request(new AdapterSelection(null, 0, null, null, tempNet), sampling, true));
            assertArrayEquals(
                    tokens.stream().mapToInt(Integer::intValue).toArray(),
                    c.tokenIds(),
                    "tokens with TempNet on " + input);
            assertEquals(tokens.size(), c.temperatures().length);
            float min = Float.MAX_VALUE;
            float max = 0;
            for (int i = 0; i < temperatures.size(); i++) {
                assertEquals(temperatures.get(i), c.temperatures()[i], 1e-4f, "temperature of step " + i);
                min = Math.min(min, temperatures.get(i));
                max = Math.max(max, temperatures.get(i));
            }
            assertTrue(
                    max - min > 1e-3f,
                    "the TempNet should vary its temperature across steps (" + min + ".." + max + ")");
        }
    }

    /** tau = tau_min + (tau_max - tau_min) sigmoid(w2 relu(W1 z + b1) + b2), in double precision. */
    private static float referenceTemperature(TempNetAdapter net, float[] z) {
        int hidden = net.hiddenSize();
        int in = z.length;
        double out = net.fc2Bias().data()[0];
        for (int h = 0; h < hidden; h++) {
            double sum = net.fc1Bias().data()[h];
            for (int i = 0; i < in; i++) {
                sum += (double) net.fc1Weight().data()[h * in + i] * z[i];
            }
            out += net.fc2Weight().data()[h] * Math.max(0.0, sum);
        }
        return (float) (net.tauMin() + (net.tauMax() - net.tauMin()) / (1 + Math.exp(-out)));
    }

    private void assertGreedyGeneration(AdapterSelection selection, int[] expected) throws Exception {
        try (ServingFixture served = new ServingFixture(adapters.model)) {
            int[] tokens = served.generate(request(selection, SamplingParams.greedy(), false))
                    .tokenIds();
            assertArrayEquals(expected, tokens);
            assertFalse(
                    Arrays.equals(served.greedy(PROMPT, NEW_TOKENS).tokenIds(), tokens),
                    "the adapter must change the text");
        }
    }

    /** Greedy tokens from the scalar reference, continuing from the logits after position {@code pos - 1}. */
    private int[] continueGreedy(ScalarLlama2cReference scalar, float[] logits, int pos) {
        List<Integer> out = new ArrayList<>();
        while (out.size() < NEW_TOKENS) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            if (adapters.model.tokenizer().endsSequence(best)) {
                break;
            }
            out.add(best);
            logits = scalar.forward(best, pos++);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static GenerationRequest request(
            AdapterSelection selection, SamplingParams sampling, boolean temperatures) {
        return GenerationRequest.builder("test", PROMPT, NEW_TOKENS)
                .sampling(sampling)
                .adapters(selection)
                .returnTemperatures(temperatures)
                .build();
    }

    /** W + s · B[:, :rank] A[:rank, :] for every targeted module and layer. */
    static LlamaWeights merge(LlamaWeights weights, LoraAdapter lora, int rank, float weight) {
        List<LayerWeights> layers = new ArrayList<>();
        float s = weight * lora.scale(rank);
        for (int l = 0; l < weights.layers().size(); l++) {
            LayerWeights w = weights.layers().get(l);
            java.util.Map<LoraModule, FloatTensor> merged = new java.util.EnumMap<>(LoraModule.class);
            for (LoraModule module : LoraModule.values()) {
                merged.put(module, merge(module.weightIn(w), lora, module, l, rank, s));
            }
            layers.add(LoraModule.replaced(w, merged));
        }
        return new LlamaWeights(weights.embedding(), layers, weights.finalNorm(), weights.classifier());
    }

    private static FloatTensor merge(
            FloatTensor weight, LoraAdapter lora, LoraModule module, int layer, int rank, float s) {
        LoraAdapter.LayerFactors[] factors = lora.modules().get(module);
        if (factors == null || factors[layer] == null) {
            return weight;
        }
        int out = weight.shape()[0];
        int in = weight.shape()[1];
        float[] a = factors[layer].a().data();
        float[] b = factors[layer].b().data();
        float[] merged = weight.data().clone();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double delta = 0;
                for (int j = 0; j < rank; j++) {
                    delta += (double) b[o * lora.rank() + j] * a[j * in + i];
                }
                merged[o * in + i] += (float) (s * delta);
            }
        }
        return new FloatTensor(weight.name(), weight.shape(), merged);
    }

    private static LlamaRuntime runtime(LoadedModel model) {
        return new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(1), 64);
    }

    private static ScalarLlama2cReference scalar() throws Exception {
        return new ScalarLlama2cReference(TestModels.stories().resolve("stories260K.bin"));
    }
}
