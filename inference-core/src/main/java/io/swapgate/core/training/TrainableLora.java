package io.swapgate.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.runtime.LoraUpdate;
import io.swapgate.core.runtime.OwnedScalar;
import io.swapgate.core.runtime.SequenceHooks;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA factors A [r, in] and B [out, r] per targeted module and layer, applied as y = W x + s · B (A x). A fresh
 * adapter starts with B = 0, so it begins as the base model. A DyLoRA adapter trains a rank b sampled from its range
 * each step, using only the first b ranks, at scale alpha / b: every prefix of its ranks becomes a working adapter.
 */
final class TrainableLora implements Trainable, SequenceHooks, LoraUpdate {

    private final ParameterSet parameters;
    private final int rank;
    private final float alpha;
    private final boolean rsLora;
    private final LoraAdapter.RankRange dyLora;
    private final Map<LoraModule, NDArray[][]> factors = new EnumMap<>(LoraModule.class);
    private int stepRank;

    private TrainableLora(Device device, int rank, float alpha, boolean rsLora, LoraAdapter.RankRange dyLora) {
        this.parameters = new ParameterSet(device);
        this.rank = rank;
        this.alpha = alpha;
        this.rsLora = rsLora;
        this.dyLora = dyLora;
        this.stepRank = rank;
    }

    /** A new adapter: A uniform in ±1/sqrt(in) (PEFT's Kaiming-uniform bound), B zero. */
    static TrainableLora fresh(Device device, LlamaConfig base, TrainingConfig config, SplittableRandom random) {
        LoraAdapter.RankRange range =
                config.dyLoraMin() > 0 ? new LoraAdapter.RankRange(config.dyLoraMin(), config.rank()) : null;
        TrainableLora lora = new TrainableLora(device, config.rank(), config.alpha(), config.rsLora(), range);
        for (LoraModule module : config.targets()) {
            int in = module.inputs(base);
            int out = module.outputs(base);
            NDArray[][] layers = new NDArray[base.layers()][];
            double bound = 1 / Math.sqrt(in);
            for (int l = 0; l < layers.length; l++) {
                float[] a = new float[config.rank() * in];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                layers[l] = new NDArray[] {
                    lora.parameters.add(a, config.rank(), in),
                    lora.parameters.add(new float[out * config.rank()], out, config.rank())
                };
            }
            lora.factors.put(module, layers);
        }
        return lora;
    }

    /** Continues from a published adapter, keeping its shape. */
    static TrainableLora from(Device device, LoraAdapter adapter) {
        if (adapter.dora()) {
            // Training only A and B would drop the magnitudes and publish a plain LoRA under the DoRA's name.
            throw new IllegalArgumentException("retraining DoRA adapter "
                    + adapter.identity().name() + " is not supported: the trainer does not learn DoRA magnitudes");
        }
        if (adapter.ia3()) {
            throw new IllegalArgumentException("retraining IA3 adapter "
                    + adapter.identity().name() + " is not supported: the trainer learns LoRA factors, not IA3 scales");
        }
        TrainableLora lora =
                new TrainableLora(device, adapter.rank(), adapter.alpha(), adapter.rsLora(), adapter.dyLora());
        adapter.modules().forEach((module, layers) -> {
            NDArray[][] arrays = new NDArray[layers.length][];
            for (int l = 0; l < layers.length; l++) {
                if (layers[l] != null) {
                    arrays[l] = new NDArray[] {lora.parameters.add(layers[l].a()), lora.parameters.add(layers[l].b())};
                }
            }
            lora.factors.put(module, arrays);
        });
        return lora;
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    @Override
    public LoraUpdate lora() {
        return this;
    }

    @Override
    public void beforeStep(SplittableRandom random) {
        stepRank = dyLora == null ? rank : dyLora.min() + random.nextInt(dyLora.max() - dyLora.min() + 1);
    }

    @Override
    public void afterTraining() {
        stepRank = rank;
    }

    @Override
    public NDArray apply(LoraModule module, int layer, NDArray x, NDArray base) {
        NDArray[][] layers = factors.get(module);
        if (layers == null || layers[layer] == null) {
            return base;
        }
        NDArray a = layers[layer][0];
        NDArray b = layers[layer][1];
        if (stepRank < rank) {
            a = a.get(new NDIndex(":{}", stepRank));
            b = b.get(new NDIndex(":, :{}", stepRank));
        }
        NDArray scale = OwnedScalar.of(x.getManager(), rsLora ? alpha / Math.sqrt(stepRank) : alpha / stepRank)
                .toType(x.getDataType(), false);
        NDArray update = x.matMul(a.transpose().toType(x.getDataType(), false))
                .matMul(b.transpose().toType(x.getDataType(), false));
        return base.add(update.mul(scale));
    }

    @Override
    public Adapter export(AdapterIdentity identity) {
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        factors.forEach((module, layers) -> {
            LoraAdapter.LayerFactors[] out = new LoraAdapter.LayerFactors[layers.length];
            for (int l = 0; l < layers.length; l++) {
                if (layers[l] != null) {
                    out[l] = new LoraAdapter.LayerFactors(
                            ParameterSet.tensor("A", layers[l][0]), ParameterSet.tensor("B", layers[l][1]));
                }
            }
            modules.put(module, out);
        });
        return new LoraAdapter(identity, rank, alpha, rsLora, dyLora, modules);
    }
}
