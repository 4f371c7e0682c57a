package io.swapgate.gateway.console;

import io.quarkus.grpc.GrpcService;
import io.swapgate.gateway.grpc.AdaptersGrpcService;
import io.swapgate.gateway.grpc.InferenceGrpcService;
import io.swapgate.gateway.grpc.MonitorGrpcService;
import io.swapgate.gateway.grpc.TenantsGrpcService;
import io.swapgate.gateway.grpc.TrainingGrpcService;
import io.swapgate.proto.v1.CancelTrainingJobRequest;
import io.swapgate.proto.v1.DeleteRequest;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.GetTrainingJobRequest;
import io.swapgate.proto.v1.GetUsageRequest;
import io.swapgate.proto.v1.ListAdaptersRequest;
import io.swapgate.proto.v1.ListTrainingJobsRequest;
import io.swapgate.proto.v1.ListUsageRequest;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.RollbackRequest;
import io.swapgate.proto.v1.StartTrainingRequest;
import io.swapgate.proto.v1.WatchMonitorRequest;
import io.swapgate.proto.v1.WatchRequest;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import io.swapgate.proto.v1.WhoAmIRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;

/**
 * The gRPC methods the console reaches over HTTP, by {@code Service/Method}: the very service beans gRPC clients
 * call, so the console has the same permissions, validation and errors. Uploads (client streaming) are left to the
 * CLI and gRPC clients.
 */
@ApplicationScoped
class ConsoleMethods {

    private final Map<String, ConsoleMethod> methods;

    ConsoleMethods(
            @GrpcService InferenceGrpcService inference,
            @GrpcService AdaptersGrpcService adapters,
            @GrpcService TenantsGrpcService tenants,
            @GrpcService TrainingGrpcService training,
            @GrpcService MonitorGrpcService monitor) {
        this.methods = Map.ofEntries(
                Map.entry(
                        "Inference/GenerateStream",
                        new ConsoleMethod.ServerStreaming<>(
                                GenerateRequest.getDefaultInstance(), inference::generateStream)),
                Map.entry(
                        "Adapters/List",
                        new ConsoleMethod.Unary<>(ListAdaptersRequest.getDefaultInstance(), adapters::list)),
                Map.entry(
                        "Adapters/Get",
                        new ConsoleMethod.Unary<>(GetAdapterRequest.getDefaultInstance(), adapters::get)),
                Map.entry(
                        "Adapters/Promote",
                        new ConsoleMethod.Unary<>(PromoteRequest.getDefaultInstance(), adapters::promote)),
                Map.entry(
                        "Adapters/Rollback",
                        new ConsoleMethod.Unary<>(RollbackRequest.getDefaultInstance(), adapters::rollback)),
                Map.entry(
                        "Adapters/Delete",
                        new ConsoleMethod.Unary<>(DeleteRequest.getDefaultInstance(), adapters::delete)),
                Map.entry(
                        "Adapters/Watch",
                        new ConsoleMethod.ServerStreaming<>(WatchRequest.getDefaultInstance(), adapters::watch)),
                Map.entry(
                        "Tenants/WhoAmI",
                        new ConsoleMethod.Unary<>(WhoAmIRequest.getDefaultInstance(), tenants::whoAmI)),
                Map.entry(
                        "Tenants/ListUsage",
                        new ConsoleMethod.Unary<>(ListUsageRequest.getDefaultInstance(), tenants::listUsage)),
                Map.entry(
                        "Tenants/GetUsage",
                        new ConsoleMethod.Unary<>(GetUsageRequest.getDefaultInstance(), tenants::getUsage)),
                Map.entry(
                        "Training/Start",
                        new ConsoleMethod.Unary<>(StartTrainingRequest.getDefaultInstance(), training::start)),
                Map.entry(
                        "Training/Get",
                        new ConsoleMethod.Unary<>(GetTrainingJobRequest.getDefaultInstance(), training::get)),
                Map.entry(
                        "Training/List",
                        new ConsoleMethod.Unary<>(ListTrainingJobsRequest.getDefaultInstance(), training::list)),
                Map.entry(
                        "Training/Cancel",
                        new ConsoleMethod.Unary<>(CancelTrainingJobRequest.getDefaultInstance(), training::cancel)),
                Map.entry(
                        "Training/Watch",
                        new ConsoleMethod.ServerStreaming<>(
                                WatchTrainingJobsRequest.getDefaultInstance(), training::watch)),
                Map.entry(
                        "Monitor/Watch",
                        new ConsoleMethod.ServerStreaming<>(WatchMonitorRequest.getDefaultInstance(), monitor::watch)));
    }

    Optional<ConsoleMethod> find(String service, String method) {
        return Optional.ofNullable(methods.get(service + "/" + method));
    }
}
