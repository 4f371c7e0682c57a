package io.swapgate.gateway.console;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.swapgate.gateway.http.AuthenticatedBody;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The web console's API: {@code POST /console/api/<Service>/<Method>} calls that gRPC method with the JSON body as
 * its request (proto3 JSON) and the caller of the {@code Authorization: Bearer} key, answering the response as JSON,
 * or a stream as Server-Sent Events (see {@link EventStreamCall}). Errors are {@code {"code","message"}} with the
 * HTTP status Google's APIs give the gRPC code. The console's page itself is static, under {@code /console/}.
 */
@ApplicationScoped
public class ConsoleRoutes {

    private static final String PAGE_POLICY =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Enough for Training.Start's largest dataset. */
    private static final long MAX_BODY_BYTES = 32L << 20;

    private final ConsoleMethods methods;
    private final TenantDirectory tenants;
    private final JsonFormat.Parser parser = JsonFormat.parser();
    private final JsonFormat.Printer printer =
            JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    ConsoleRoutes(ConsoleMethods methods, TenantDirectory tenants) {
        this.methods = methods;
        this.tenants = tenants;
    }

    void register(@Observes Router router) {
        // The page and its files are static (META-INF/resources/console); this only redirects the bare path and adds
        // headers that let the page load and run nothing but its own files, and never be framed.
        router.get("/console*").handler(ctx -> {
            if (ctx.request().path().equals("/console")) {
                ctx.redirect("/console/");
                return;
            }
            ctx.response()
                    .putHeader("Content-Security-Policy", PAGE_POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer");
            ctx.next();
        });
        new AuthenticatedBody(
                        tenants.authenticator(), MAX_BODY_BYTES, (ctx, e) -> ConsoleErrors.send(ctx.response(), e))
                .post(router, "/console/api/:service/:method", this::call);
    }

    private void call(RoutingContext ctx) {
        HttpServerResponse response = ctx.response().putHeader("Cache-Control", "no-store");
        Context context = ctx.vertx().getOrCreateContext();
        try {
            Caller caller = AuthenticatedBody.caller(ctx);
            ConsoleMethod method = methods.find(ctx.pathParam("service"), ctx.pathParam("method"))
                    .orElseThrow(() -> Status.UNIMPLEMENTED
                            .withDescription("the console has no method " + ctx.pathParam("service") + "/"
                                    + ctx.pathParam("method"))
                            .asRuntimeException());
            dispatch(method, caller, parse(ctx, method.prototype()), response, context);
        } catch (RuntimeException e) { // no such method, a bad body, or a method's own checks throwing at once
            ConsoleErrors.send(response, e);
        }
    }

    private void dispatch(
            ConsoleMethod method, Caller caller, Message request, HttpServerResponse response, Context context) {
        if (method instanceof ConsoleMethod.Unary<?> unary) {
            ApiKeyInterceptor.as(caller, () -> unary.invoke(request))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .subscribe()
                    .with(
                            answer -> context.runOnContext(v -> response.putHeader("Content-Type", "application/json")
                                    .end(print(answer))),
                            failure -> context.runOnContext(v -> ConsoleErrors.send(response, failure)));
        } else if (method instanceof ConsoleMethod.ServerStreaming<?> streaming) {
            new EventStreamCall(response, context, this::print)
                    .start(ApiKeyInterceptor.as(caller, () -> streaming.invoke(request)));
        }
    }

    private Message parse(RoutingContext ctx, Message prototype) {
        String body = ctx.body().asString();
        Message.Builder builder = prototype.newBuilderForType();
        try {
            parser.merge(body == null || body.isBlank() ? "{}" : body, builder);
        } catch (InvalidProtocolBufferException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("the body is not a "
                            + prototype.getDescriptorForType().getName() + " in proto3 JSON: " + e.getMessage())
                    .asRuntimeException();
        }
        return builder.build();
    }

    private String print(Message message) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "a response message cannot be printed as JSON", e); // only Any with unknown types
        }
    }
}
