package io.swapgate.e2e;

import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;

/**
 * The Llama forward pass as plain single-threaded Java over the weight arrays, one token at a time with a KV cache:
 * the baseline the benchmark compares Swapgate's engine with. Same math as the runtime (RMSNorm, rotate-half RoPE,
 * grouped-query attention, SwiGLU, the classifier), and Gemma's (scaled embeddings, norms after attention and the
 * feed-forward, GeGLU, soft caps, sliding-window layers with their own rope base); no batching, no SIMD beyond what the
 * JIT finds.
 */
final class PlainJavaLlama {

    private final LlamaConfig c;
    private final LlamaWeights w;
    private final float[][] keys;
    private final float[][] values;
    private final float[] frequencies;
    private final float[] slidingFrequencies;
    private final LlamaConfig.Gemma gemma;

    PlainJavaLlama(LlamaConfig config, LlamaWeights weights, int maxPositions) {
        this.c = config;
        this.w = weights;
        this.keys = new float[config.layers()][maxPositions * config.kvDim()];
        this.values = new float[config.layers()][maxPositions * config.kvDim()];
        this.gemma = config.gemma();
        this.frequencies = frequencies(config.ropeTheta(), gemma == null ? 1 : gemma.ropeLinearFactor());
        if (config.ropeFrequencyFactors() != null) {
            for (int i = 0; i < frequencies.length; i++) {
                frequencies[i] /= config.ropeFrequencyFactors().get(i);
            }
        }
        this.slidingFrequencies = gemma == null ? frequencies : frequencies(gemma.localRopeTheta(), 1);
    }

    private float[] frequencies(double theta, double linearFactor) {
        float[] out = new float[c.headDim() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (1.0 / Math.pow(theta, (2 * i) / (float) c.headDim()) / linearFactor);
        }
        return out;
    }

    /** The logits after feeding {@code token} at {@code position}. */
    float[] forward(int token, int position) {
        int dim = c.dim();
        int queryDim = c.queryDim();
        float[] x = new float[dim];
        System.arraycopy(w.embedding().data(), token * dim, x, 0, dim);
        if (gemma != null) {
            float scale = (float) Math.sqrt(dim);
            for (int i = 0; i < dim; i++) {
                x[i] *= scale;
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights layer = w.layers().get(l);
            float[] h = rmsNorm(x, layer.attentionNorm().data());
            float[] q = matVec(layer.query().data(), h, queryDim, dim);
            float[] k = matVec(layer.key().data(), h, c.kvDim(), dim);
            float[] v = matVec(layer.value().data(), h, c.kvDim(), dim);
            if (layer.qkvBias() != null) { // Qwen2's projection biases, before the rotation
                float[] bias = layer.qkvBias().data();
                for (int i = 0; i < queryDim; i++) {
                    q[i] += bias[i];
                }
                for (int i = 0; i < c.kvDim(); i++) {
                    k[i] += bias[queryDim + i];
                    v[i] += bias[queryDim + c.kvDim() + i];
                }
            }
            if (layer.queryNorm() != null) { // Qwen3's per-head norms, before the rotation
                headNorm(q, c.heads(), layer.queryNorm().data());
                headNorm(k, c.kvHeads(), layer.keyNorm().data());
            }
            float[] angles = c.slidingLayer(l) ? slidingFrequencies : frequencies;
            rotate(q, c.heads(), position, angles);
            rotate(k, c.kvHeads(), position, angles);
            System.arraycopy(k, 0, keys[l], position * c.kvDim(), c.kvDim());
            System.arraycopy(v, 0, values[l], position * c.kvDim(), c.kvDim());
            int oldest = c.slidingLayer(l) ? Math.max(0, position - c.slidingWindow() + 1) : 0;
            float[] attended = matVec(layer.output().data(), attend(q, l, oldest, position), dim, queryDim);
            add(
                    x,
                    layer.postAttentionNorm() == null
                            ? attended
                            : rmsNorm(attended, layer.postAttentionNorm().data()));
            float[] f = rmsNorm(x, layer.ffnNorm().data());
            float[] gate = matVec(layer.gate().data(), f, c.hiddenDim(), dim);
            float[] up = matVec(layer.up().data(), f, c.hiddenDim(), dim);
            for (int i = 0; i < gate.length; i++) {
                gate[i] = activation(gate[i]) * up[i];
            }
            float[] fed = matVec(layer.down().data(), gate, dim, c.hiddenDim());
            add(
                    x,
                    layer.postFeedForwardNorm() == null
                            ? fed
                            : rmsNorm(fed, layer.postFeedForwardNorm().data()));
        }
        float[] logits = matVec(w.classifier().data(), rmsNorm(x, w.finalNorm().data()), c.vocabSize(), dim);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = capped(logits[i], gemma == null ? 0 : gemma.finalSoftCap());
        }
        return logits;
    }

    /** SiLU, or Gemma's GELU in its tanh form. */
    private float activation(float x) {
        if (gemma == null) {
            return x / (1f + (float) Math.exp(-x));
        }
        return (float) (0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
    }

    private static float capped(float x, float cap) {
        return cap == 0 ? x : (float) (cap * Math.tanh(x / cap));
    }

    /** RMSNorm of each head's slice of {@code x}, in place. */
    private void headNorm(float[] x, int heads, float[] weight) {
        int size = c.headDim();
        for (int h = 0; h < heads; h++) {
            double squares = 0;
            for (int i = 0; i < size; i++) {
                squares += x[h * size + i] * (double) x[h * size + i];
            }
            float scale = (float) (1 / Math.sqrt(squares / size + c.normEps()));
            for (int i = 0; i < size; i++) {
                x[h * size + i] = x[h * size + i] * scale * weight[i];
            }
        }
    }

    /** Attention over the cached positions {@code oldest} to {@code position}. */
    private float[] attend(float[] q, int layer, int oldest, int position) {
        int headDim = c.headDim();
        float[] out = new float[c.queryDim()];
        float[] scores = new float[position + 1];
        float scale = (float) c.attentionScale();
        float cap = gemma == null ? 0 : gemma.attentionSoftCap();
        for (int head = 0; head < c.heads(); head++) {
            int kvOffset = (head / c.queriesPerKvHead()) * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = oldest; t <= position; t++) {
                float dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += q[head * headDim + i] * keys[layer][t * c.kvDim() + kvOffset + i];
                }
                scores[t] = capped(dot * scale, cap);
                max = Math.max(max, scores[t]);
            }
            float sum = 0;
            for (int t = oldest; t <= position; t++) {
                scores[t] = (float) Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int t = oldest; t <= position; t++) {
                float weight = scores[t] / sum;
                for (int i = 0; i < headDim; i++) {
                    out[head * headDim + i] += weight * values[layer][t * c.kvDim() + kvOffset + i];
                }
            }
        }
        return out;
    }

    /** Rotate-half RoPE on each head: (a, b) -> (a cos - b sin, b cos + a sin). */
    private void rotate(float[] x, int heads, int position, float[] frequencies) {
        int half = c.headDim() / 2;
        for (int head = 0; head < heads; head++) {
            int base = head * c.headDim();
            for (int i = 0; i < half; i++) {
                float angle = position * frequencies[i];
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                float a = x[base + i];
                float b = x[base + half + i];
                x[base + i] = a * cos - b * sin;
                x[base + half + i] = b * cos + a * sin;
            }
        }
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double squares = 0;
        for (float v : x) {
            squares += v * v;
        }
        float scale = (float) (1 / Math.sqrt(squares / x.length + c.normEps()));
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** W [rows, cols] (row-major) times x. */
    private static float[] matVec(float[] matrix, float[] x, int rows, int cols) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            int base = r * cols;
            for (int i = 0; i < cols; i++) {
                sum += matrix[base + i] * x[i];
            }
            out[r] = sum;
        }
        return out;
    }

    private static void add(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
