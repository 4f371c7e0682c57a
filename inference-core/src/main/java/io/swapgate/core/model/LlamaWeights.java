package io.swapgate.core.model;

import java.util.List;

/** All weights of a Llama model, in Hugging Face layout, checked against its config. */
public record LlamaWeights(
        FloatTensor embedding, List<LayerWeights> layers, FloatTensor finalNorm, FloatTensor classifier) {

    public LlamaWeights {
        layers = List.copyOf(layers);
    }

    /** Floats in all the model's tensors, a classifier shared with the embedding counted twice. */
    public long values() {
        long values = (long) embedding.data().length + finalNorm.data().length + classifier.data().length;
        for (LayerWeights layer : layers) {
            for (FloatTensor tensor : layer.matrices()) {
                values += tensor.data().length;
            }
            for (FloatTensor tensor : layer.extras()) {
                values += tensor.data().length;
            }
        }
        return values;
    }

    /** Fails with a message naming the first tensor whose shape disagrees with the config. */
    public LlamaWeights validate(LlamaConfig config) {
        embedding.requireShape(config.vocabSize(), config.dim());
        if (layers.size() != config.layers()) {
            throw new IllegalArgumentException(
                    "model has " + layers.size() + " layers, config says " + config.layers());
        }
        layers.forEach(layer -> layer.validate(config));
        finalNorm.requireShape(config.dim());
        classifier.requireShape(config.vocabSize(), config.dim());
        return this;
    }
}
