package io.swapgate.gateway.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * API keys at rest: {@code sha256$<salt>$<digest>}, the digest being SHA-256 over the salt and the key (both
 * base64url). Keys are long random secrets ({@link #newKey}), so a fast salted hash suffices where a password would need
 * a slow one; a presented key is checked against every stored hash in constant time.
 */
public final class ApiKeyHash {

    private static final String SCHEME = "sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();

    private final byte[] salt;
    private final byte[] digest;

    private ApiKeyHash(byte[] salt, byte[] digest) {
        this.salt = salt;
        this.digest = digest;
    }

    /** Hashes a key with a fresh random salt. */
    public static ApiKeyHash of(String key) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new ApiKeyHash(salt, digest(salt, key));
    }

    /** A new random key: 32 bytes of entropy, prefixed so that leaked keys are easy to recognise. */
    public static String newKey() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return "sg_" + B64.encodeToString(secret);
    }

    public static ApiKeyHash parse(String text) {
        String[] parts = text.split("\\$", -1);
        if (parts.length != 3 || !parts[0].equals(SCHEME)) {
            throw new IllegalArgumentException(
                    "a key hash looks like sha256$<salt>$<digest> (see ./swapgate keys hash)");
        }
        try {
            byte[] digest = B64_DECODER.decode(parts[2]);
            if (digest.length != 32) {
                throw new IllegalArgumentException("the digest of a key hash must be 32 bytes");
            }
            return new ApiKeyHash(B64_DECODER.decode(parts[1]), digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a key hash is not valid base64url: " + e.getMessage(), e);
        }
    }

    /** Whether {@code key} is the key this hash was made from, in time independent of where they differ. */
    public boolean matches(String key) {
        return MessageDigest.isEqual(digest, digest(salt, key));
    }

    @Override
    public String toString() {
        return SCHEME + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(digest);
    }

    private static byte[] digest(byte[] salt, String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
