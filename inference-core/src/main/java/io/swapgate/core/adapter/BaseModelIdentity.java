package io.swapgate.core.adapter;

import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LlamaWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The base model an adapter is bound to: its name and a sha256 over its config and weights (in Swapgate's
 * internal layout, so the llama2.c, GGUF and Hugging Face forms of one model share a digest).
 */
public record BaseModelIdentity(String name, String digest, LlamaConfig config) {

    public static BaseModelIdentity of(String name, LlamaConfig config, LlamaWeights weights) {
        MessageDigest sha = sha256();
        sha.update(config.toString().getBytes(StandardCharsets.UTF_8));
        hash(sha, weights.embedding());
        for (LayerWeights l : weights.layers()) {
            l.matrices().forEach(t -> hash(sha, t));
            // Only what a block has: digests of models without these stay what they were.
            l.extras().forEach(t -> hash(sha, t));
        }
        hash(sha, weights.finalNorm());
        hash(sha, weights.classifier());
        return new BaseModelIdentity(name, HexFormat.of().formatHex(sha.digest()), config);
    }

    private static void hash(MessageDigest sha, FloatTensor tensor) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * tensor.data().length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(tensor.data());
        sha.update(bytes.array());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
