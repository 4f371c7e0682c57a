package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.swapgate.gateway.serving.ServingMetrics;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.Role;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.tenancy.TenantUsage;
import io.swapgate.proto.v1.GetUsageRequest;
import io.swapgate.proto.v1.ListUsageRequest;
import io.swapgate.proto.v1.ListUsageResponse;
import io.swapgate.proto.v1.Tenants;
import io.swapgate.proto.v1.WhoAmIRequest;
import io.swapgate.proto.v1.WhoAmIResponse;
import java.util.TreeSet;

/** The {@code swapgate.v1.Tenants} service: the caller's identity, and tenants' quotas and usage. */
@GrpcService
public class TenantsGrpcService implements Tenants {

    private final TenantDirectory tenants;
    private final ServingMetrics metrics;

    TenantsGrpcService(TenantDirectory tenants, ServingMetrics metrics) {
        this.tenants = tenants;
        this.metrics = metrics;
    }

    @Override
    public Uni<WhoAmIResponse> whoAmI(WhoAmIRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return Uni.createFrom()
                .item(WhoAmIResponse.newBuilder()
                        .setKeyId(caller.keyId())
                        .setTenant(caller.tenant())
                        .addAllRoles(caller.roles().stream()
                                .map(Role::wireName)
                                .sorted()
                                .toList())
                        .build());
    }

    @Override
    public Uni<ListUsageResponse> listUsage(ListUsageRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return Uni.createFrom()
                .item(() -> {
                    tenants.access().checkAdmin(caller);
                    ListUsageResponse.Builder response = ListUsageResponse.newBuilder();
                    for (String tenant : new TreeSet<>(tenants.tenants())) {
                        response.addTenants(usage(tenant));
                    }
                    return response.build();
                })
                .onFailure()
                .transform(GrpcStatuses::toStatus);
    }

    @Override
    public Uni<io.swapgate.proto.v1.TenantUsage> getUsage(GetUsageRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return Uni.createFrom()
                .item(() -> {
                    String tenant = request.getTenant().isEmpty() ? caller.tenant() : request.getTenant();
                    tenants.access().checkTenant(caller, tenant);
                    return usage(tenant);
                })
                .onFailure()
                .transform(GrpcStatuses::toStatus);
    }

    private io.swapgate.proto.v1.TenantUsage usage(String tenant) {
        TenantUsage usage = metrics.ledger().of(tenant);
        return io.swapgate.proto.v1.TenantUsage.newBuilder()
                .setTenant(tenant)
                .setWeight(tenants.weight(tenant))
                .putAllQuotas(tenants.limits(tenant).asMap())
                .setRequests(usage.requests())
                .setPromptTokens(usage.promptTokens())
                .setGeneratedTokens(usage.generatedTokens())
                .putAllErrors(usage.errors())
                .setAdapterLoadSeconds(usage.adapterLoadSeconds())
                .setInFlight(tenants.quotas().inFlight(tenant))
                .build();
    }
}
