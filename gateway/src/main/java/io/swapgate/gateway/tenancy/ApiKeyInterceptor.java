package io.swapgate.gateway.tenancy;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Authenticates every gRPC call by its {@code authorization: Bearer <key>} metadata (UNAUTHENTICATED otherwise) and
 * makes the caller available to the services through {@link #caller()}. Health and reflection stay open.
 */
@GlobalInterceptor
@ApplicationScoped
public class ApiKeyInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Caller> CALLER = Context.key("swapgate.caller");
    private static final Set<String> OPEN_SERVICES = Set.of(
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

    private final Authenticator authenticator;

    ApiKeyInterceptor(TenantDirectory tenants) {
        this.authenticator = tenants.authenticator();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        Caller caller;
        try {
            caller = authenticator.authenticate(headers.get(AUTHORIZATION));
        } catch (UnauthenticatedException e) {
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }

    /** Runs {@code call} (a service method invoked in-process, as the console does) as {@code caller}. */
    public static <T> T as(Caller caller, Supplier<T> call) {
        Context context = Context.current().withValue(CALLER, caller);
        Context previous = context.attach();
        try {
            return call.get();
        } finally {
            context.detach(previous);
        }
    }

    /**
     * The caller of the gRPC call being handled. Call it on the thread the service method was invoked on, before
     * handing work to other threads.
     */
    public static Caller caller() {
        Caller caller = CALLER.get();
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller in this context");
        }
        return caller;
    }
}
