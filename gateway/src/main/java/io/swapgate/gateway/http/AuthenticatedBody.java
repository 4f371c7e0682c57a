package io.swapgate.gateway.http;

import io.swapgate.gateway.tenancy.Authenticator;
import io.swapgate.gateway.tenancy.Caller;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * What stands in front of every HTTP route that takes a body, so that a caller without a key costs nothing: the key is
 * checked from the headers before a byte of the body is read; a multipart body (no route takes one, and Vert.x would
 * write its files to disk) and a declared length over the limit are refused first; the body is then read into memory
 * up to the limit, never to a file. Any other media type is read as the JSON it must be ({@code curl -d} sends JSON as
 * a form).
 */
public final class AuthenticatedBody {

    private static final String CALLER = "swapgate.caller";

    private final Authenticator authenticator;
    private final long maxBytes;
    private final BiConsumer<RoutingContext, RuntimeException> refuse;

    /**
     * @param refuse answers a refused request in the route's own error format; the connection is closed after it, so
     *     a body left unread is never read
     */
    public AuthenticatedBody(
            Authenticator authenticator, long maxBytes, BiConsumer<RoutingContext, RuntimeException> refuse) {
        this.authenticator = authenticator;
        this.maxBytes = maxBytes;
        this.refuse = refuse;
    }

    /**
     * Routes {@code POST path} through the checks, then the body, then {@code handler}, which finds the caller with
     * {@link #caller}. The checks are a route of their own, registered first: Vert.x reads a route's body before any
     * of its other handlers run.
     */
    public void post(Router router, String path, Handler<RoutingContext> handler) {
        router.post(path).handler(this::admit);
        router.post(path)
                .handler(BodyHandler.create(false).setBodyLimit(maxBytes))
                .handler(handler);
    }

    /** The caller {@link #post} authenticated. */
    public static Caller caller(RoutingContext ctx) {
        return ctx.get(CALLER);
    }

    private void admit(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            reject(ctx, new HttpRefusal(415, "this API takes JSON bodies only, not " + type.split(";")[0].strip()));
            return;
        }
        String length = ctx.request().getHeader("Content-Length");
        if (length != null && declaredOver(length)) {
            reject(ctx, new HttpRefusal(413, "the body is larger than the " + maxBytes + " bytes this API takes"));
            return;
        }
        Caller caller;
        try {
            caller = authenticator.authenticate(ctx.request().getHeader("Authorization"));
        } catch (RuntimeException e) {
            reject(ctx, e);
            return;
        }
        ctx.put(CALLER, caller);
        ctx.next();
    }

    private void reject(RoutingContext ctx, RuntimeException why) {
        ctx.response().putHeader("Connection", "close");
        refuse.accept(ctx, why);
    }

    private boolean declaredOver(String length) {
        try {
            return Long.parseLong(length.strip()) > maxBytes;
        } catch (NumberFormatException e) {
            return true; // not a length: the HTTP server refuses it too
        }
    }
}
