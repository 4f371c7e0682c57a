package io.swapgate.gateway.http;

import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Authenticator;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.tenancy.UnauthenticatedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A connection that brings a request without a valid key is closed once that request is answered. Otherwise a
 * stranger could hold connections, and with them the server's connection limit, by sending a refused request every
 * so often: never idle long enough for the idle timeout, and never costing a key. A gRPC call without a valid key
 * (other than health and reflection) has its HTTP/2 connection shut down gracefully: the call is still answered
 * {@code UNAUTHENTICATED} by {@link ApiKeyInterceptor}, then no other starts on it. An HTTP request answered 401 has
 * its connection closed after the answer (HTTP/1.1) or shut down the same way (HTTP/2).
 */
@ApplicationScoped
public class StrangerConnections {

    private final Authenticator authenticator;

    StrangerConnections(TenantDirectory tenants) {
        this.authenticator = tenants.authenticator();
    }

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 2).handler(this::watch);
    }

    private void watch(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.startsWith("application/grpc")) {
            if (!ApiKeyInterceptor.isOpen(service(ctx.request().path()))
                    && !authenticates(ctx.request().getHeader("authorization"))) {
                closeAfterAnswer(ctx);
            }
        } else {
            ctx.addHeadersEndHandler(v -> {
                if (ctx.response().getStatusCode() == 401) {
                    closeAfterAnswer(ctx);
                }
            });
        }
        ctx.next();
    }

    private boolean authenticates(String authorization) {
        try {
            authenticator.authenticate(authorization);
            return true;
        } catch (UnauthenticatedException e) {
            return false;
        }
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

    /** The service of a gRPC path, {@code /package.Service/Method}. */
    private static String service(String path) {
        int slash = path.indexOf('/', 1);
        return slash < 0 ? path : path.substring(1, slash);
    }
}
