package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Adapters with random, non-zero weights for a base model: for tests, benchmarks and demos. The scales are
 * chosen so each adapter visibly changes the base model's output without drowning it.
 */
public final class RandomAdapters {

    private final LlamaConfig base;
    private final SplittableRandom random;

    public RandomAdapters(LlamaConfig base, long seed) {
        this.base = base;
        this.random = new SplittableRandom(seed);
    }

    /** A LoRA (or, with {@code dyLoraMin > 0}, a DyLoRA over [dyLoraMin, rank]) on every layer of the given modules. */
    public LoraAdapter lora(
            String name, int rank, float alpha, boolean rsLora, int dyLoraMin, Collection<LoraModule> targets) {
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        for (LoraModule module : targets) {
            int in = module.inputs(base);
            int out = module.outputs(base);
            LoraAdapter.LayerFactors[] layers = new LoraAdapter.LayerFactors[base.layers()];
            for (int l = 0; l < layers.length; l++) {
                layers[l] = new LoraAdapter.LayerFactors(
                        uniform("A", (float) (1 / Math.sqrt(in)), rank, in),
                        uniform("B", (float) (0.3 / Math.sqrt(rank)) / Math.max(1f, alpha / rank), out, rank));
            }
            modules.put(module, layers);
        }
        LoraAdapter.RankRange range = dyLoraMin > 0 ? new LoraAdapter.RankRange(dyLoraMin, rank) : null;
        return new LoraAdapter(new AdapterIdentity(name, ""), rank, alpha, rsLora, range, modules);
    }

    /**
     * A DoRA adapter on every layer of the given modules: a LoRA whose magnitudes are the base weight's row norms, each
     * scaled by a random factor in [0.7, 1.3], so the magnitudes visibly reshape the outputs.
     */
    public LoraAdapter dora(
            String name, int rank, float alpha, Collection<LoraModule> targets, List<LayerWeights> baseLayers) {
        LoraAdapter lora = lora(name, rank, alpha, false, 0, targets);
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        lora.modules().forEach((module, layers) -> {
            LoraAdapter.LayerFactors[] withMagnitudes = new LoraAdapter.LayerFactors[layers.length];
            for (int l = 0; l < layers.length; l++) {
                FloatTensor weight = module.weightIn(baseLayers.get(l));
                int out = weight.shape()[0];
                int in = weight.shape()[1];
                float[] magnitude = new float[out];
                for (int o = 0; o < out; o++) {
                    double squares = 0;
                    for (int i = 0; i < in; i++) {
                        squares += weight.data()[o * in + i] * (double) weight.data()[o * in + i];
                    }
                    magnitude[o] = (float) (Math.sqrt(squares) * (0.7 + 0.6 * random.nextDouble()));
                }
                withMagnitudes[l] = new LoraAdapter.LayerFactors(
                        layers[l].a(), layers[l].b(), new FloatTensor("magnitude", new int[] {out}, magnitude));
            }
            modules.put(module, withMagnitudes);
        });
        return new LoraAdapter(lora.identity(), rank, alpha, false, null, modules);
    }

    /**
     * An IA3 adapter on every layer: the outputs of {@code outputs} and the inputs of {@code inputs} (o_proj, down_proj)
     * scaled by random factors in [0.7, 1.3], as the Llama default of PEFT's IA3 (k, v outputs, down inputs) does.
     */
    public LoraAdapter ia3(String name, Collection<LoraModule> outputs, Collection<LoraModule> inputs) {
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        for (LoraModule module : LoraModule.values()) {
            boolean input = inputs.contains(module);
            if (!input && !outputs.contains(module)) {
                continue;
            }
            int in = module.inputs(base);
            int out = module.outputs(base);
            LoraAdapter.LayerFactors[] layers = new LoraAdapter.LayerFactors[base.layers()];
            for (int l = 0; l < layers.length; l++) {
                float[] values = uniform("ia3_l", 0.3f, input ? in : out).data();
                for (int i = 0; i < values.length; i++) {
                    values[i] += 1f;
                }
                FloatTensor scale = new FloatTensor("ia3_l", new int[] {values.length}, values);
                layers[l] = LoraAdapter.LayerFactors.ia3(scale, input, in, out);
            }
            modules.put(module, layers);
        }
        return new LoraAdapter(new AdapterIdentity(name, ""), 1, 1f, false, null, modules);
    }

    public PromptAdapter prompt(String name, int virtualTokens) {
        return new PromptAdapter(
                new AdapterIdentity(name, ""), uniform(VirtualTokenReader.TENSOR, 1f, virtualTokens, base.dim()));
    }

    public PrefixAdapter prefix(String name, int virtualTokens) {
        FloatTensor kv = uniform(VirtualTokenReader.TENSOR, 2f, virtualTokens, base.layers() * 2 * base.kvDim());
        return new PrefixAdapter(new AdapterIdentity(name, ""), kv, base.layers(), base.kvDim());
    }

    public TempNetAdapter tempNet(String name, TempNetAdapter.Input input, int hiddenSize) {
        int in = input == TempNetAdapter.Input.LOGITS ? base.vocabSize() : base.dim();
        return new TempNetAdapter(
                new AdapterIdentity(name, ""),
                input,
                0.05f,
                1.2f,
                0.1f,
                uniform(TempNetReader.FC1_WEIGHT, (float) (1 / Math.sqrt(in)), hiddenSize, in),
                uniform(TempNetReader.FC1_BIAS, 0.5f, hiddenSize),
                uniform(TempNetReader.FC2_WEIGHT, (float) (1 / Math.sqrt(hiddenSize)), 1, hiddenSize),
                uniform(TempNetReader.FC2_BIAS, 0.5f, 1));
    }

    private FloatTensor uniform(String name, float bound, int... shape) {
        int count = 1;
        for (int d : shape) {
            count *= d;
        }
        float[] data = new float[count];
        for (int i = 0; i < count; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new FloatTensor(name, shape, data);
    }
}
