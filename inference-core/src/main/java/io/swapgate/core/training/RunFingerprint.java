package io.swapgate.core.training;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.BaseModelIdentity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * What a training run is, as a sha256: its config (seed and steps included), its parent, and its training and
 * validation examples in order. Two runs with the same fingerprint take the same steps, so one may resume the other's
 * checkpoint; any other change (new examples, another parent) starts afresh.
 */
final class RunFingerprint {

    private RunFingerprint() {}

    static String of(
            TrainingConfig config, Adapter parent, List<TokenizedExample> train, List<TokenizedExample> validation) {
        MessageDigest digest = BaseModelIdentity.sha256();
        update(digest, config.toString());
        update(
                digest,
                parent == null
                        ? "fresh"
                        : parent.kind() + " " + parent.identity().version());
        for (List<TokenizedExample> examples : List.of(train, validation)) {
            update(digest, "examples " + examples.size());
            for (TokenizedExample example : examples) {
                update(
                        digest,
                        example.id() + " " + example.promptLength() + " " + example.weight() + " "
                                + java.util.Arrays.toString(example.tokens()) + " "
                                + java.util.Arrays.toString(example.rejectedTokens()));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void update(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(
                java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }
}
