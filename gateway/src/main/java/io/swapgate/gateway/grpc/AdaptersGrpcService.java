package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.swapgate.gateway.serving.ServedAdapters;
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
import java.util.concurrent.Callable;

/**
 * The {@code swapgate.v1.Adapters} service over the registry. Registry calls touch the disk, so they run on worker
 * threads; Watch streams the registry's events as they are made durable.
 */
@GrpcService
public class AdaptersGrpcService implements Adapters {

    private final ServedAdapters served;
    private final FileSystemAdapterRegistry registry;
    private final long maxFileBytes;

    AdaptersGrpcService(ServedAdapters served, io.swapgate.gateway.serving.SwapgateConfig config) {
        this.served = served;
        this.registry = served.registry();
        this.maxFileBytes = config.adapters().maxFileBytes();
    }

    @Override
    public Uni<VersionInfo> upload(Multi<UploadRequest> requests) {
        UploadStream upload = new UploadStream(registry, maxFileBytes);
        return requests.emitOn(Infrastructure.getDefaultWorkerPool())
                .onItem().invoke(upload::accept)
                .collect().last()
                .onItem().transform(last -> unchecked(() -> {
                    VersionMetadata published = upload.finish();
                    if (upload.warm()) {
                        served.adapters().load(resolve(published.name(), published.version()));
                    }
                    return describe(AdapterName.parse(published.name()), published);
                }))
                .onTermination().invoke(upload::close)
                .onFailure().transform(GrpcStatuses::toStatus);
    }

    @Override
    @Blocking
    public Uni<ListAdaptersResponse> list(ListAdaptersRequest request) {
        return call(() -> {
            ListAdaptersResponse.Builder response = ListAdaptersResponse.newBuilder();
            for (AdapterName name : registry.names(AdapterMessages.emptyToNull(request.getTenant()))) {
                response.addAdapters(AdapterSummary.newBuilder().setName(name.toString())
                        .putAllAliases(registry.aliases(name)).setVersionCount(registry.versionIds(name).size()));
            }
            return response.build();
        });
    }

    @Override
    @Blocking
    public Uni<AdapterDetails> get(GetAdapterRequest request) {
        return call(() -> {
            AdapterName name = AdapterName.parse(request.getName());
            List<VersionMetadata> versions = registry.versions(name);
            if (versions.isEmpty()) {
                throw new io.swapgate.registry.RegistryException(io.swapgate.registry.RegistryException.Reason.NOT_FOUND,
                        "adapter '" + name + "' not found");
            }
            Map<String, String> aliases = registry.aliases(name);
            AdapterDetails.Builder details = AdapterDetails.newBuilder().setName(name.toString()).putAllAliases(aliases);
            for (VersionMetadata v : versions) {
                details.addVersions(AdapterMessages.version(v, aliases, served.residency(name, v.version())));
            }
            return details.build();
        });
    }

    @Override
    @Blocking
    public Uni<AliasChange> promote(PromoteRequest request) {
        return call(() -> AdapterMessages.aliasChange(
                registry.promote(AdapterName.parse(request.getName()), request.getAlias(), request.getVersion())));
    }

    @Override
    @Blocking
    public Uni<AliasChange> rollback(RollbackRequest request) {
        return call(() -> AdapterMessages.aliasChange(registry.rollback(AdapterName.parse(request.getName()), request.getAlias())));
    }

    @Override
    @Blocking
    public Uni<DeleteResponse> delete(DeleteRequest request) {
        return call(() -> {
            RegistryEvent deleted = registry.delete(AdapterName.parse(request.getName()), request.getVersion(), served::inUse);
            return DeleteResponse.newBuilder().setName(deleted.name()).setVersion(deleted.version()).build();
        });
    }

    @Override
    public Multi<io.swapgate.proto.v1.RegistryEvent> watch(WatchRequest request) {
        return Multi.createFrom().<io.swapgate.proto.v1.RegistryEvent>emitter(emitter -> {
            AutoCloseable subscription = registry.subscribe(event -> {
                if (AdapterMessages.ofTenant(event, request.getTenant())) {
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

    private VersionInfo describe(AdapterName name, VersionMetadata version) throws IOException {
        return AdapterMessages.version(version, registry.aliases(name), served.residency(name, version.version()));
    }

    private io.swapgate.registry.ResolvedVersion resolve(String name, String version) throws IOException {
        return registry.resolve(new io.swapgate.registry.AdapterReference(AdapterName.parse(name), version));
    }

    private static <T> Uni<T> call(Callable<T> work) {
        return Uni.createFrom().item(() -> unchecked(work)).onFailure().transform(GrpcStatuses::toStatus);
    }

    /** Runs registry work, passing I/O failures on unchecked (they become INTERNAL). */
    private static <T> T unchecked(Callable<T> work) {
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
