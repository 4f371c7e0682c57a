package io.swapgate.core.format;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.model.RotaryLayout;
import io.swapgate.core.tokenizer.SentencePieceBpeTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c "legacy v0" checkpoints: seven int32 header fields, then float32 weights in a fixed order
 * (see the models README), and the llama2.c tokenizer file beside it.
 */
public final class Llama2cModelReader {

    private static final int HEADER_BYTES = 7 * 4;
    /** Magic of llama2.c's later export versions ("ak42"), which use another layout. */
    private static final int VERSIONED_EXPORT_MAGIC = 0x616b3432;

    private static final float NORM_EPS = 1e-5f;
    private static final float ROPE_THETA = 10000f;
    private static final int BOS = 1;
    private static final int EOS = 2;

    private Llama2cModelReader() {}

    public static LoadedModel read(Path checkpoint, Path tokenizerFile) {
        try (FileChannel channel = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            LlamaConfig config = readConfig(checkpoint, channel);
            Cursor cursor = new Cursor(checkpoint, channel, HEADER_BYTES);
            LlamaWeights weights = readWeights(config, cursor);
            if (cursor.offset != channel.size()) {
                throw new ModelFormatException(
                        checkpoint,
                        "has " + (channel.size() - cursor.offset)
                                + " bytes after the weights the header describes; is it a llama2.c v0 checkpoint?");
            }
            SentencePieceBpeTokenizer tokenizer =
                    Llama2cTokenizerReader.read(tokenizerFile, config.vocabSize(), BOS, EOS);
            String name = checkpoint.getFileName().toString().replaceFirst("\\.bin$", "");
            return new LoadedModel(name, checkpoint, "llama2c", config, weights, tokenizer);
        } catch (IOException e) {
            throw new ModelFormatException(checkpoint, "cannot read: " + e.getMessage(), e);
        }
    }

    private static LlamaConfig readConfig(Path file, FileChannel channel) throws IOException {
        if (channel.size() < HEADER_BYTES) {
            throw new ModelFormatException(
                    file, "truncated: " + channel.size() + " bytes is shorter than the llama2.c header");
        }
        ByteBuffer header = FileRegion.read(channel, file, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = header.getInt();
        }
        if (h[0] == VERSIONED_EXPORT_MAGIC) {
            throw new ModelFormatException(
                    file, "is a llama2.c version 1/2 export; only the legacy v0 layout is supported");
        }
        boolean shared = h[5] > 0;
        int vocab = Math.abs(h[5]);
        requireRange(file, "dim", h[0], 1 << 16);
        requireRange(file, "hidden_dim", h[1], 1 << 18);
        requireRange(file, "n_layers", h[2], 1024);
        requireRange(file, "n_heads", h[3], 1024);
        requireRange(file, "n_kv_heads", h[4], 1024);
        requireRange(file, "vocab_size", vocab, 1 << 21);
        requireRange(file, "seq_len", h[6], 1 << 20);
        try {
            return new LlamaConfig(h[0], h[1], h[2], h[3], h[4], vocab, h[6], NORM_EPS, ROPE_THETA, null, shared);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private static void requireRange(Path file, String field, int value, int max) {
        if (value <= 0 || value > max) {
            throw new ModelFormatException(
                    file, "not a llama2.c checkpoint: header field " + field + " = " + value + " is outside 1.." + max);
        }
    }

    private static LlamaWeights readWeights(LlamaConfig c, Cursor in) throws IOException {
        int dim = c.dim();
        int kv = c.kvDim();
        int hidden = c.hiddenDim();
        int layers = c.layers();
        FloatTensor embedding = in.next("token_embedding", c.vocabSize(), dim);
        List<FloatTensor> attnNorm = in.perLayer("rms_att", layers, dim);
        List<FloatTensor> wq = in.perLayer("wq", layers, dim, dim);
        List<FloatTensor> wk = in.perLayer("wk", layers, kv, dim);
        List<FloatTensor> wv = in.perLayer("wv", layers, kv, dim);
        List<FloatTensor> wo = in.perLayer("wo", layers, dim, dim);
        List<FloatTensor> ffnNorm = in.perLayer("rms_ffn", layers, dim);
        List<FloatTensor> w1 = in.perLayer("w1", layers, hidden, dim);
        List<FloatTensor> w2 = in.perLayer("w2", layers, dim, hidden);
        List<FloatTensor> w3 = in.perLayer("w3", layers, hidden, dim);
        FloatTensor finalNorm = in.next("rms_final", dim);
        in.skip((long) c.contextLength()
                * c.headDim()
                * 4); // legacy RoPE tables: cos and sin, seq_len x head_size/2 each
        FloatTensor classifier = c.sharedClassifier() ? embedding : in.next("wcls", c.vocabSize(), dim);

        List<LayerWeights> blocks = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            blocks.add(new LayerWeights(
                    attnNorm.get(l),
                    toHalves(wq.get(l), c.heads(), c),
                    toHalves(wk.get(l), c.kvHeads(), c),
                    wv.get(l),
                    wo.get(l),
                    ffnNorm.get(l),
                    w1.get(l),
                    w3.get(l),
                    w2.get(l)));
        }
        return new LlamaWeights(embedding, blocks, finalNorm, classifier).validate(c);
    }

    static FloatTensor toHalves(FloatTensor interleaved, int heads, LlamaConfig c) {
        float[] data = RotaryLayout.interleavedToHalves(interleaved.data(), heads, c.headDim(), c.dim());
        return new FloatTensor(interleaved.name(), interleaved.shape(), data);
    }

    /** Sequential reader over the checkpoint's float arrays. */
    private static final class Cursor {
        private final Path file;
        private final FileChannel channel;
        private long offset;

        Cursor(Path file, FileChannel channel, long offset) {
            this.file = file;
            this.channel = channel;
            this.offset = offset;
        }

        FloatTensor next(String name, int... shape) throws IOException {
            long count = 1;
            for (int d : shape) {
                count *= d;
            }
            ByteBuffer bytes = FileRegion.read(channel, file, offset, count * 4);
            offset += count * 4;
            return new FloatTensor(name, shape, ElementType.F32.decode(bytes, (int) count));
        }

        List<FloatTensor> perLayer(String name, int layers, int... shape) throws IOException {
            List<FloatTensor> out = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                out.add(next(name + "[" + l + "]", shape));
            }
            return out;
        }

        void skip(long bytes) throws IOException {
            if (offset + bytes > channel.size()) {
                throw new ModelFormatException(
                        file,
                        "truncated: the RoPE tables end at byte " + (offset + bytes) + " but the file has "
                                + channel.size());
            }
            offset += bytes;
        }
    }
}
