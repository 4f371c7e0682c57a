package io.swapgate.retraining;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which examples are held out for evaluation: decided by a hash of the example's id, so an example stays on the same
 * side in every job and a version is never evaluated on what it was trained on.
 */
public record HeldOutSplit(double fraction) {

    public HeldOutSplit {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("the held-out fraction must be in (0, 1), got " + fraction);
        }
    }

    public boolean heldOut(String exampleId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(exampleId.getBytes(StandardCharsets.UTF_8));
            int bucket = ((digest[0] & 0xff) << 8 | (digest[1] & 0xff)) % 10_000;
            return bucket < fraction * 10_000;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
