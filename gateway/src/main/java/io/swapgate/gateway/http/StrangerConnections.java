package io.swapgate.gateway.http;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A connection that brings a request without a valid key is closed once that request is answered. Otherwise a
 * stranger could hold connections, and with them the server's connection limit, by sending a refused request every
 * so often: never idle long enough for the idle timeout, and never costing a key. The refusal itself decides, so the
 * key is checked in one place only: an HTTP answer 401, or a gRPC call refused {@code UNAUTHENTICATED} before any
 * message (its status travels in the headers, gRPC's trailers-only form). HTTP/1.1 connections are closed after the
 * answer; HTTP/2 ones, gRPC's, are shut down gracefully: calls under way finish, no other starts.
 */
@ApplicationScoped
public class StrangerConnections {

    private static final String UNAUTHENTICATED = "16";

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 2).handler(this::watch);
    }

    private void watch(RoutingContext ctx) {
        ctx.addHeadersEndHandler(v -> {
            if (ctx.response().getStatusCode() == 401
                    || UNAUTHENTICATED.equals(ctx.response().headers().get("grpc-status"))) {
                closeAfterAnswer(ctx);
            }
        });
        ctx.next();
    }

    /** Call before the answer's headers are written: an HTTP/1.1 client must know not to send another request. */
    private static void closeAfterAnswer(RoutingContext ctx) {
        boolean http2 = ctx.request().version() == HttpVersion.HTTP_2;
        if (!http2) {
            ctx.response().putHeader("Connection", "close");
        }
        HttpConnection connection = ctx.request().connection();
        ctx.addEndHandler(answered -> {
            if (http2) {
                var unused = connection.shutdown(); // GOAWAY: other streams under way finish, no new one starts
            } else {
                connection.close();
            }
        });
    }
}
