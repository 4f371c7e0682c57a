package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.swapgate.gateway.messages.AdapterMessages;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.gateway.tenancy.Access;
import io.swapgate.gateway.tenancy.AdapterListing;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.StorageQuota;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdapterSummary;
import io.swapgate.proto.v1.Adapters;
import io.swapgate.proto.v1.AliasChange;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.DeleteResponse;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.ListAdaptersResponse;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RollbackRequest;
import io.swapgate.proto.v1.UploadRequest;
import io.swapgate.proto.v1.VersionInfo;
import io.swapgate.proto.v1.WatchRequest;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.RegistryEvent;
import io.swapgate.registry.VersionMetadata;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code swapgate.v1.Adapters} service over the registry. A tenant sees and manages its own adapters (and sees
 * those shared with it); an admin, all. Registry calls touch the disk, so they run on worker threads; Watch streams
 * the registry's events as they are made durable.
 */
@GrpcService
public class AdaptersGrpcService implements Adapters {

    private final ServedAdapters served;
    private final FileSystemAdapterRegistry registry;
    private final long maxFileBytes;
    private final Access access;
    private final StorageQuota storage;

    AdaptersGrpcService(
            ServedAdapters served,
            io.swapgate.gateway.config.SwapgateConfig config,
            TenantDirectory tenants,
            StorageQuota storage) {
        this.served = served;
        this.registry = served.registry();
        this.maxFileBytes = config.adapters().maxFileBytes();
        this.access = tenants.access();
        this.storage = storage;
    }

    @Override
    public Uni<VersionInfo> upload(Multi<UploadRequest> requests) {
        Caller caller = ApiKeyInterceptor.caller();
        UploadStream upload = new UploadStream(registry, maxFileBytes, (name, bytes) -> {
            access.checkManage(caller, name);
            return storage.admit(name, bytes);
        });
        return requests.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem()
                .invoke(upload::accept)
                .collect()
                .last()
                .onItem()
                .transform(last -> GrpcStatuses.unchecked(() -> {
                    VersionMetadata published = upload.finish();
                    if (upload.warm()) {
                        served.adapters().load(resolve(published.name(), published.version()));
                    }
                    return describe(AdapterName.parse(published.name()), published);
                }))
                .onTermination()
                .invoke(upload::close)
                .onFailure()
                .transform(GrpcStatuses::toStatus);
    }

    @Override
    @Blocking
    public Uni<ListAdaptersResponse> list(ListAdaptersRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            ListAdaptersResponse.Builder response = ListAdaptersResponse.newBuilder();
            for (AdapterName name : AdapterListing.names(
                    registry, access, access.listingScope(caller, request.getTenant()), request.getIncludeShared())) {
                response.addAdapters(AdapterSummary.newBuilder()
                        .setName(name.toString())
                        .putAllAliases(registry.aliases(name))
                        .setVersionCount(registry.versionIds(name).size()));
            }
            return response.build();
        });
    }

    @Override
    @Blocking
    public Uni<AdapterDetails> get(GetAdapterRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            AdapterName name = AdapterName.parse(request.getName());
            access.checkUse(caller, name.toString());
            List<VersionMetadata> versions = registry.versions(name);
            if (versions.isEmpty()) {
                throw new io.swapgate.registry.RegistryException(
                        io.swapgate.registry.RegistryException.Reason.NOT_FOUND, "adapter '" + name + "' not found");
            }
            Map<String, String> aliases = registry.aliases(name);
            AdapterDetails.Builder details =
                    AdapterDetails.newBuilder().setName(name.toString()).putAllAliases(aliases);
            for (VersionMetadata v : versions) {
                details.addVersions(AdapterMessages.version(v, aliases, served.residency(name, v.version())));
            }
            return details.build();
        });
    }

    @Override
    @Blocking
    public Uni<AliasChange> promote(PromoteRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> AdapterMessages.aliasChange(
                registry.promote(managed(caller, request.getName()), request.getAlias(), request.getVersion())));
    }

    @Override
    @Blocking
    public Uni<AliasChange> rollback(RollbackRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() ->
                AdapterMessages.aliasChange(registry.rollback(managed(caller, request.getName()), request.getAlias())));
    }

    @Override
    @Blocking
    public Uni<DeleteResponse> delete(DeleteRequest request) {
        Caller caller = ApiKeyInterceptor.caller();
        return GrpcStatuses.call(() -> {
            RegistryEvent deleted =
                    registry.delete(managed(caller, request.getName()), request.getVersion(), served::inUse);
            return DeleteResponse.newBuilder()
                    .setName(deleted.name())
                    .setVersion(deleted.version())
                    .build();
        });
    }

    @Override
    public Multi<io.swapgate.proto.v1.RegistryEvent> watch(WatchRequest request) {
        String scope;
        try {
            scope = access.listingScope(ApiKeyInterceptor.caller(), request.getTenant());
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(GrpcStatuses.toStatus(e));
        }
        return Multi.createFrom().<io.swapgate.proto.v1.RegistryEvent>emitter(emitter -> {
            AutoCloseable subscription = registry.subscribe(event -> {
                if (AdapterMessages.ofTenant(event, scope)) {
                    emitter.emit(AdapterMessages.event(event));
                }
            });
            emitter.onTermination(() -> {
                try {
                    subscription.close();
                } catch (Exception ignored) {
                    // removing a listener cannot fail
                }
            });
        });
    }

    /** The adapter a management call names, once the caller is known to manage its tenant. */
    private AdapterName managed(Caller caller, String name) {
        AdapterName parsed = AdapterName.parse(name);
        access.checkManage(caller, parsed);
        return parsed;
    }

    private VersionInfo describe(AdapterName name, VersionMetadata version) throws IOException {
        return AdapterMessages.version(version, registry.aliases(name), served.residency(name, version.version()));
    }

    private io.swapgate.registry.ResolvedVersion resolve(String name, String version) throws IOException {
        return registry.resolve(new io.swapgate.registry.AdapterReference(AdapterName.parse(name), version));
    }
}
