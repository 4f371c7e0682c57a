package io.swapgate.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.swapgate.gateway.http.AuthenticatedBody;
import io.swapgate.gateway.serving.Generations;
import io.swapgate.gateway.tenancy.AdapterListing;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.vertx.core.Context;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The OpenAI-compatible HTTP API on the gateway's port: {@code POST /v1/completions}, {@code POST /v1/chat/completions}
 * and {@code GET /v1/models}. {@code model} is the base model's name, or adapter references joined with '+'
 * ({@code demo/lora@stable+demo/tempnet}). Requests go through the same {@link Generations} as gRPC.
 */
@ApplicationScoped
public class OpenAiRoutes {

    private static final long MAX_BODY_BYTES = 4L << 20;

    private final Generations generations;
    private final FileSystemAdapterRegistry registry;
    private final ChatPrompts prompts;
    private final TenantDirectory tenants;

    OpenAiRoutes(
            Generations generations, io.swapgate.gateway.serving.ServedAdapters adapters, TenantDirectory tenants) {
        this.generations = generations;
        this.registry = adapters.registry();
        this.prompts = new ChatPrompts(generations.model().chatTemplate());
        this.tenants = tenants;
    }

    void register(@Observes Router router) {
        AuthenticatedBody body = new AuthenticatedBody(
                tenants.authenticator(), MAX_BODY_BYTES, (ctx, e) -> error(ctx, OpenAiException.of(e)));
        body.post(router, "/v1/completions", ctx -> complete(ctx, false));
        body.post(router, "/v1/chat/completions", ctx -> complete(ctx, true));
        router.get("/v1/models").handler(this::models);
    }

    private void complete(RoutingContext ctx, boolean chat) {
        Context context = ctx.vertx().getOrCreateContext();
        Caller caller;
        OpenAiRequest request;
        List<String> adapters;
        try {
            caller = AuthenticatedBody.caller(ctx);
            request = OpenAiRequest.parse(body(ctx), chat, prompts);
            adapters = adapters(request.model());
        } catch (OpenAiException e) {
            error(ctx, e);
            return;
        }
        OpenAiCall call = new OpenAiCall(generations, caller, request, adapters, ctx.response(), context);
        if (Generations.runsInline(adapters.size(), request.prompt(), request.responseFormat() != null)) {
            call.start();
        } else {
            Infrastructure.getDefaultWorkerPool().execute(call::start);
        }
    }

    /** The adapters {@code model} names: none for the base model's own name, else references joined with '+'. */
    private List<String> adapters(String model) {
        if (model.equals(generations.model().name())) {
            return List.of();
        }
        if (!model.contains("/")) {
            throw new OpenAiException(
                    404,
                    "invalid_request_error",
                    "the model '" + model + "' does not exist: use '"
                            + generations.model().name() + "' or adapter references such as tenant/name@stable",
                    "model",
                    "model_not_found");
        }
        return Arrays.asList(model.split("\\+"));
    }

    private static JsonNode body(RoutingContext ctx) {
        try {
            return OpenAiJson.JSON.readTree(
                    ctx.body().buffer() == null
                            ? new byte[0]
                            : ctx.body().buffer().getBytes());
        } catch (IOException e) {
            throw OpenAiException.invalid("the request body is not valid JSON", null);
        }
    }

    /** The caller by its {@code Authorization: Bearer} key, as OpenAI clients send it. */
    private Caller caller(RoutingContext ctx) {
        try {
            return tenants.authenticator().authenticate(ctx.request().getHeader("Authorization"));
        } catch (RuntimeException e) {
            throw OpenAiException.of(e);
        }
    }

    /** The base model, then every adapter and alias the caller may use. */
    private void models(RoutingContext ctx) {
        Context context = ctx.vertx().getOrCreateContext();
        Caller caller;
        try {
            caller = caller(ctx);
        } catch (OpenAiException e) {
            error(ctx, e);
            return;
        }
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            ObjectNode body = OpenAiJson.JSON.createObjectNode().put("object", "list");
            ArrayNode data = body.putArray("data");
            model(data, generations.model().name(), "swapgate");
            try {
                for (AdapterName name : AdapterListing.usable(registry, tenants.access(), caller)) {
                    model(data, name.toString(), name.tenant());
                    for (String alias : registry.aliases(name).keySet()) {
                        model(data, name + "@" + alias, name.tenant());
                    }
                }
            } catch (IOException e) {
                context.runOnContext(v -> error(ctx, OpenAiException.of(e)));
                return;
            }
            context.runOnContext(v ->
                    ctx.response().putHeader("Content-Type", "application/json").end(body.toString()));
        });
    }

    private static void model(ArrayNode data, String id, String owner) {
        data.addObject().put("id", id).put("object", "model").put("created", 0).put("owned_by", owner);
    }

    private static void error(RoutingContext ctx, OpenAiException e) {
        OpenAiJson.retryHeaders(ctx.response(), e);
        ctx.response()
                .setStatusCode(e.status)
                .putHeader("Content-Type", "application/json")
                .end(OpenAiJson.error(e).toString());
    }
}
