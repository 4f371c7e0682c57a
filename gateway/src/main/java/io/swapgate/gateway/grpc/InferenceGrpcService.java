package io.swapgate.gateway.grpc;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.Usage;
import io.swapgate.gateway.serving.ServedModel;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.Inference;
import java.util.Arrays;

/** The {@code swapgate.v1.Inference} service: a thin bridge from gRPC calls to the engine. */
@GrpcService
public class InferenceGrpcService implements Inference {

    private final ServedModel model;

    InferenceGrpcService(ServedModel model) {
        this.model = model;
    }

    @Override
    public Uni<GenerateResponse> generate(GenerateRequest request) {
        return Uni.createFrom().<GenerateResponse>emitter(emitter -> {
            GenerationRequest engineRequest = GrpcRequests.toEngine(request);
            CollectingListener listener = new CollectingListener();
            GenerationHandle handle = model.engine().submit(engineRequest, listener);
            emitter.onTermination(handle::cancel);
            listener.result().whenComplete((completion, error) -> {
                if (error != null) {
                    emitter.fail(GrpcStatuses.toStatus(error));
                } else if (GrpcStatuses.isError(completion.finishReason())) {
                    emitter.fail(GrpcStatuses.deadlineExceeded());
                } else {
                    emitter.complete(GenerateResponse.newBuilder()
                            .setRequestId(engineRequest.requestId())
                            .setText(completion.text())
                            .addAllTokenIds(Arrays.stream(completion.tokenIds()).boxed().toList())
                            .setFinishReason(GrpcStatuses.toProto(completion.finishReason()))
                            .setUsage(GrpcStatuses.usage(completion.usage()))
                            .build());
                }
            });
        }).onFailure().transform(GrpcStatuses::toStatus);
    }

    @Override
    public Multi<GenerateStreamResponse> generateStream(GenerateRequest request) {
        return Multi.createFrom().<GenerateStreamResponse>emitter(emitter -> {
            GenerationRequest engineRequest = GrpcRequests.toEngine(request);
            String id = engineRequest.requestId();
            GenerationHandle handle = model.engine().submit(engineRequest, new GenerationListener() {
                @Override
                public void onText(String text, int[] tokenIds) {
                    emitter.emit(GenerateStreamResponse.newBuilder()
                            .setRequestId(id)
                            .setText(text)
                            .addAllTokenIds(Arrays.stream(tokenIds).boxed().toList())
                            .build());
                }

                @Override
                public void onFinish(FinishReason reason, Usage usage) {
                    if (GrpcStatuses.isError(reason)) {
                        emitter.fail(GrpcStatuses.deadlineExceeded());
                        return;
                    }
                    emitter.emit(GenerateStreamResponse.newBuilder()
                            .setRequestId(id)
                            .setFinishReason(GrpcStatuses.toProto(reason))
                            .setUsage(GrpcStatuses.usage(usage))
                            .build());
                    emitter.complete();
                }

                @Override
                public void onError(Throwable error) {
                    emitter.fail(GrpcStatuses.toStatus(error));
                }
            });
            emitter.onTermination(handle::cancel);
        }).onFailure().transform(GrpcStatuses::toStatus);
    }
}
