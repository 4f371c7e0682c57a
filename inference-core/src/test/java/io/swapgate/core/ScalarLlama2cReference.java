package io.swapgate.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An independent, deliberately plain single-sequence forward pass over a llama2.c checkpoint, written the way
 * llama2.c's run.c computes it (its own file reader, interleaved-pair RoPE, float loops). Tests compare the
 * batched DJL runtime against it on models that have no published reference text.
 */
public final class ScalarLlama2cReference {

    private final int dim, hidden, layers, heads, kvHeads, vocab, seqLen, headSize, kvDim;
    private final float[] embedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, wcls;
    private final float[][] keyCache, valueCache;
    private float[] lastHidden;

    public ScalarLlama2cReference(Path checkpoint) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(checkpoint)).order(ByteOrder.LITTLE_ENDIAN);
        dim = bytes.getInt();
        hidden = bytes.getInt();
        layers = bytes.getInt();
        heads = bytes.getInt();
        kvHeads = bytes.getInt();
        int signedVocab = bytes.getInt();
        vocab = Math.abs(signedVocab);
        seqLen = bytes.getInt();
        headSize = dim / heads;
        kvDim = kvHeads * headSize;
        FloatBuffer f = bytes.asFloatBuffer();
        embedding = take(f, vocab * dim);
        rmsAtt = take(f, layers * dim);
        wq = take(f, layers * dim * dim);
        wk = take(f, layers * kvDim * dim);
        wv = take(f, layers * kvDim * dim);
        wo = take(f, layers * dim * dim);
        rmsFfn = take(f, layers * dim);
        w1 = take(f, layers * hidden * dim);
        w2 = take(f, layers * dim * hidden);
        w3 = take(f, layers * hidden * dim);
        rmsFinal = take(f, dim);
        f.position(f.position() + seqLen * headSize);
        wcls = signedVocab > 0 ? embedding : take(f, vocab * dim);
        keyCache = new float[layers][seqLen * kvDim];
        valueCache = new float[layers][seqLen * kvDim];
    }

    /** Greedy continuation: feeds the prompt tokens, then generates {@code steps} tokens (stopping at BOS/EOS). */
    public int[] greedy(int[] prompt, int steps) {
        int[] out = new int[steps];
        int produced = 0;
        int token = prompt[0];
        for (int pos = 0; pos < prompt.length + steps - 1; pos++) {
            float[] logits = forward(token, pos);
            if (pos + 1 < prompt.length) {
                token = prompt[pos + 1];
                continue;
            }
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            if (best == 1 || best == 2) {
                break;
            }
            out[produced++] = best;
            token = best;
        }
        return java.util.Arrays.copyOf(out, produced);
    }

    public float[] forward(int token, int pos) {
        float[] x = new float[dim];
        System.arraycopy(embedding, token * dim, x, 0, dim);
        return forwardEmbedding(x, pos);
    }

    /** One position from an input embedding (a token's, or a prompt-tuning virtual token's); returns the logits. */
    public float[] forwardEmbedding(float[] input, int pos) {
        float[] x = input.clone();
        float[] xb = new float[dim];
        float[] q = new float[dim];
        float[] att = new float[seqLen];
        for (int l = 0; l < layers; l++) {
            rmsnorm(xb, x, rmsAtt, l * dim);
            float[] k = new float[kvDim];
            float[] v = new float[kvDim];
            matmul(q, xb, wq, l * dim * dim, dim, dim);
            matmul(k, xb, wk, l * kvDim * dim, dim, kvDim);
            matmul(v, xb, wv, l * kvDim * dim, dim, kvDim);
            for (int i = 0; i < dim; i += 2) {
                int headDim = i % headSize;
                float freq = (float) (1.0 / Math.pow(10000.0f, headDim / (float) headSize));
                float val = pos * freq;
                float fcr = (float) Math.cos(val);
                float fci = (float) Math.sin(val);
                rotate(q, i, fcr, fci);
                if (i < kvDim) {
                    rotate(k, i, fcr, fci);
                }
            }
            System.arraycopy(k, 0, keyCache[l], pos * kvDim, kvDim);
            System.arraycopy(v, 0, valueCache[l], pos * kvDim, kvDim);
            float[] mixed = new float[dim];
            int group = heads / kvHeads;
            for (int h = 0; h < heads; h++) {
                int kvBase = (h / group) * headSize;
                for (int t = 0; t <= pos; t++) {
                    float score = 0;
                    for (int i = 0; i < headSize; i++) {
                        score += q[h * headSize + i] * keyCache[l][t * kvDim + kvBase + i];
                    }
                    att[t] = score / (float) Math.sqrt(headSize);
                }
                softmax(att, pos + 1);
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < headSize; i++) {
                        mixed[h * headSize + i] += att[t] * valueCache[l][t * kvDim + kvBase + i];
                    }
                }
            }
            float[] o = new float[dim];
            matmul(o, mixed, wo, l * dim * dim, dim, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += o[i];
            }
            rmsnorm(xb, x, rmsFfn, l * dim);
            float[] hb = new float[hidden];
            float[] hb2 = new float[hidden];
            matmul(hb, xb, w1, l * hidden * dim, dim, hidden);
            matmul(hb2, xb, w3, l * hidden * dim, dim, hidden);
            for (int i = 0; i < hidden; i++) {
                float g = hb[i];
                hb[i] = g * (1f / (1f + (float) Math.exp(-g))) * hb2[i];
            }
            float[] down = new float[dim];
            matmul(down, hb, w2, l * dim * hidden, hidden, dim);
            for (int i = 0; i < dim; i++) {
                x[i] += down[i];
            }
        }
        rmsnorm(x, x.clone(), rmsFinal, 0);
        lastHidden = x;
        float[] logits = new float[vocab];
        matmul(logits, x, wcls, 0, dim, vocab);
        return logits;
    }

    /** The final normalised hidden state of the last forward call (the classifier's input). */
    public float[] lastHidden() {
        return lastHidden;
    }

    /** Writes one cache entry by hand (a rotated key in this implementation's interleaved-pair layout, and a value). */
    public void writeCache(int layer, int pos, float[] key, float[] value) {
        System.arraycopy(key, 0, keyCache[layer], pos * kvDim, kvDim);
        System.arraycopy(value, 0, valueCache[layer], pos * kvDim, kvDim);
    }

    private static void rotate(float[] vec, int i, float fcr, float fci) {
        float v0 = vec[i];
        float v1 = vec[i + 1];
        vec[i] = v0 * fcr - v1 * fci;
        vec[i + 1] = v0 * fci + v1 * fcr;
    }

    private void rmsnorm(float[] out, float[] x, float[] weight, int offset) {
        float ss = 0;
        for (float value : x) {
            ss += value * value;
        }
        ss = 1f / (float) Math.sqrt(ss / x.length + 1e-5f);
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[offset + i] * (ss * x[i]);
        }
    }

    private static void matmul(float[] out, float[] x, float[] w, int offset, int n, int d) {
        for (int i = 0; i < d; i++) {
            float sum = 0;
            for (int j = 0; j < n; j++) {
                sum += w[offset + i * n + j] * x[j];
            }
            out[i] = sum;
        }
    }

    private static void softmax(float[] x, int size) {
        float max = x[0];
        for (int i = 1; i < size; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0;
        for (int i = 0; i < size; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < size; i++) {
            x[i] /= sum;
        }
    }

    private static float[] take(FloatBuffer buffer, int count) {
        float[] out = new float[count];
        buffer.get(out);
        return out;
    }
}
