package io.swapgate.gateway.http;

import io.swapgate.gateway.tenancy.ListenAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * DNS rebinding cannot reach a gateway that listens on loopback: a web page whose host name an attacker points at
 * 127.0.0.1 sends its own name as {@code Host}, and its own origin as {@code Origin}, so every HTTP request to a
 * loopback gateway must name a loopback host in both. A gateway listening on other interfaces is reached under names
 * this cannot know; it accepts no well-known key (see {@code TenantDirectory}).
 */
@ApplicationScoped
public class LoopbackHostCheck {

    private final boolean loopback;

    LoopbackHostCheck(@ConfigProperty(name = "quarkus.http.host") String host) {
        this.loopback = ListenAddress.isLoopback(host);
    }

    void register(@Observes Router router) {
        if (loopback) {
            router.route().order(Integer.MIN_VALUE + 1).handler(this::check);
        }
    }

    private void check(RoutingContext ctx) {
        String host = ctx.request().getHeader("Host");
        String origin = ctx.request().getHeader("Origin");
        if (host != null && !ListenAddress.isLoopback(hostName(host))) {
            refuse(ctx, "Host '" + host + "' is not this machine: the gateway listens on loopback only");
        } else if (origin != null && !isLoopbackOrigin(origin)) {
            refuse(
                    ctx,
                    "requests from the web origin '" + origin
                            + "' are not accepted: the gateway listens on loopback only");
        } else {
            ctx.next();
        }
    }

    private static void refuse(RoutingContext ctx, String why) {
        ctx.response()
                .setStatusCode(403)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("Connection", "close")
                .end(why + "\n");
    }

    /** The host part of a Host header: {@code name}, {@code name:port}, {@code [v6]} or {@code [v6]:port}. */
    static String hostName(String header) {
        String h = header.strip();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static boolean isLoopbackOrigin(String origin) {
        try {
            String host = URI.create(origin).getHost();
            return host != null && ListenAddress.isLoopback(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
