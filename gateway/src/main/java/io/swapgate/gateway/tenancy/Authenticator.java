package io.swapgate.gateway.tenancy;

/** Turns an {@code authorization} header (gRPC metadata or HTTP) into a caller. */
public final class Authenticator {

    private static final String BEARER = "bearer ";

    private final ApiKeys keys;

    public Authenticator(ApiKeys keys) {
        this.keys = keys;
    }

    /** The tenants that hold keys now. */
    public java.util.Set<String> tenants() {
        return keys.tenants();
    }

    /** @throws UnauthenticatedException when the header is missing, malformed, or carries no accepted key */
    public Caller authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new UnauthenticatedException("missing API key: send the header 'authorization: Bearer <key>'");
        }
        if (authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new UnauthenticatedException("the authorization header must be 'Bearer <key>'");
        }
        Caller caller =
                keys.authenticate(authorization.substring(BEARER.length()).strip());
        if (caller == null) {
            throw new UnauthenticatedException("invalid API key");
        }
        return caller;
    }
}
