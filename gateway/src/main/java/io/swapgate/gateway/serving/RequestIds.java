package io.swapgate.gateway.serving;

/**
 * The rule for a caller's request id: it is echoed in every answer, logged and (over Kafka) remembered, so it is short
 * and printable: 1 to 128 visible ASCII characters.
 */
public final class RequestIds {

    public static final int MAX_LENGTH = 128;

    private RequestIds() {}

    /** @throws IllegalArgumentException naming the rule, without echoing the id */
    public static String check(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("request_id must be 1-" + MAX_LENGTH + " visible ASCII characters (got "
                    + id.length() + " characters)");
        }
        return id;
    }
}
