package io.swapgate.e2e;

import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;

/**
 * The Llama forward pass as plain single-threaded Java over the weight arrays, one token at a time with a KV cache:
 * the baseline the benchmark compares Swapgate's engine with. Same math as the runtime (RMSNorm, rotate-half RoPE,
 * grouped-query attention, SwiGLU, the classifier); no batching, no SIMD beyond what the JIT finds.
 */
final class PlainJavaLlama {

    private final LlamaConfig c;
    private final LlamaWeights w;
    private final float[][] keys;
    private final float[][] values;
    private final float[] frequencies;

    PlainJavaLlama(LlamaConfig config, LlamaWeights weights, int maxPositions) {
        this.c = config;
        this.w = weights;
        this.keys = new float[config.layers()][maxPositions * config.kvDim()];
        this.values = new float[config.layers()][maxPositions * config.kvDim()];
        this.frequencies = new float[config.headDim() / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2 * i) / (float) config.headDim()));
        }
    }

    /** The logits after feeding {@code token} at {@code position}. */
    float[] forward(int token, int position) {
        int dim = c.dim();
        float[] x = new float[dim];
        System.arraycopy(w.embedding().data(), token * dim, x, 0, dim);
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights layer = w.layers().get(l);
            float[] h = rmsNorm(x, layer.attentionNorm().data());
            float[] q = matVec(layer.query().data(), h, dim, dim);
            float[] k = matVec(layer.key().data(), h, c.kvDim(), dim);
            float[] v = matVec(layer.value().data(), h, c.kvDim(), dim);
            if (layer.qkvBias() != null) { // Qwen2's projection biases, before the rotation
                float[] bias = layer.qkvBias().data();
                for (int i = 0; i < dim; i++) {
                    q[i] += bias[i];
                }
                for (int i = 0; i < c.kvDim(); i++) {
                    k[i] += bias[dim + i];
                    v[i] += bias[dim + c.kvDim() + i];
                }
            }
            if (layer.queryNorm() != null) { // Qwen3's per-head norms, before the rotation
                headNorm(q, c.heads(), layer.queryNorm().data());
                headNorm(k, c.kvHeads(), layer.keyNorm().data());
            }
            rotate(q, c.heads(), position);
            rotate(k, c.kvHeads(), position);
            System.arraycopy(k, 0, keys[l], position * c.kvDim(), c.kvDim());
            System.arraycopy(v, 0, values[l], position * c.kvDim(), c.kvDim());
            add(x, matVec(layer.output().data(), attend(q, l, position), dim, dim));
            float[] f = rmsNorm(x, layer.ffnNorm().data());
            float[] gate = matVec(layer.gate().data(), f, c.hiddenDim(), dim);
            float[] up = matVec(layer.up().data(), f, c.hiddenDim(), dim);
            for (int i = 0; i < gate.length; i++) {
                gate[i] = gate[i] / (1f + (float) Math.exp(-gate[i])) * up[i];
            }
            add(x, matVec(layer.down().data(), gate, dim, c.hiddenDim()));
        }
        return matVec(w.classifier().data(), rmsNorm(x, w.finalNorm().data()), c.vocabSize(), dim);
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

    private float[] attend(float[] q, int layer, int position) {
        int headDim = c.headDim();
        float[] out = new float[c.dim()];
        float[] scores = new float[position + 1];
        for (int head = 0; head < c.heads(); head++) {
            int kvOffset = (head / c.queriesPerKvHead()) * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= position; t++) {
                float dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += q[head * headDim + i] * keys[layer][t * c.kvDim() + kvOffset + i];
                }
                scores[t] = dot / (float) Math.sqrt(headDim);
                max = Math.max(max, scores[t]);
            }
            float sum = 0;
            for (int t = 0; t <= position; t++) {
                scores[t] = (float) Math.exp(scores[t] - max);
                sum += scores[t];
            }
            for (int t = 0; t <= position; t++) {
                float weight = scores[t] / sum;
                for (int i = 0; i < headDim; i++) {
                    out[head * headDim + i] += weight * values[layer][t * c.kvDim() + kvOffset + i];
                }
            }
        }
        return out;
    }

    /** Rotate-half RoPE on each head: (a, b) -> (a cos - b sin, b cos + a sin). */
    private void rotate(float[] x, int heads, int position) {
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
