package io.swapgate.e2e;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A Llama of a chosen shape with seeded random weights: for benchmarks that need realistic sizes, not real text. */
final class SyntheticLlama {

    private final LlamaConfig config;
    private final SplittableRandom random;

    private SyntheticLlama(LlamaConfig config, long seed) {
        this.config = config;
        this.random = new SplittableRandom(seed);
    }

    static LlamaWeights weights(LlamaConfig config, long seed) {
        return new SyntheticLlama(config, seed).build();
    }

    private LlamaWeights build() {
        int d = config.dim();
        int q = config.queryDim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            layers.add(new LayerWeights(
                    ones(d),
                    matrix(q, d),
                    matrix(kv, d),
                    matrix(kv, d),
                    matrix(d, q),
                    ones(d),
                    matrix(h, d),
                    matrix(h, d),
                    matrix(d, h)));
        }
        FloatTensor embedding = matrix(config.vocabSize(), d);
        return new LlamaWeights(
                        embedding,
                        layers,
                        ones(d),
                        config.sharedClassifier() ? embedding : matrix(config.vocabSize(), d))
                .validate(config);
    }

    /** Uniform in ±1/sqrt(in), so activations keep their scale through the layers. */
    private FloatTensor matrix(int out, int in) {
        float bound = (float) (1 / Math.sqrt(in));
        float[] data = new float[out * in];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new FloatTensor("w", new int[] {out, in}, data);
    }

    private static FloatTensor ones(int n) {
        float[] data = new float[n];
        java.util.Arrays.fill(data, 1f);
        return new FloatTensor("norm", new int[] {n}, data);
    }
}
