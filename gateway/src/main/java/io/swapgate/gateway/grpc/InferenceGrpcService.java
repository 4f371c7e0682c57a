package io.swapgate.gateway.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.gateway.messages.GenerationMessages;
import io.swapgate.gateway.serving.Admission;
import io.swapgate.gateway.serving.Generations;
import io.swapgate.gateway.tenancy.ApiKeyInterceptor;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateResponse;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.Inference;
import java.util.concurrent.TimeUnit;

/**
 * The {@code swapgate.v1.Inference} service: a thin bridge from authenticated gRPC calls to the engine. Requests naming adapters
 * are resolved on a worker thread (a cold version is read from the store) to exact versions that stay pinned until the
 * call ends; the rest go straight to the engine.
 */
@GrpcService
public class InferenceGrpcService implements Inference {

    private final Generations generations;

    InferenceGrpcService(Generations generations) {
        this.generations = generations;
    }

    @Override
    public Uni<GenerateResponse> generate(GenerateRequest request) {
        long deadline = deadline();
        Caller caller = ApiKeyInterceptor.caller();
        Uni<GenerateResponse> call = Uni.createFrom().<GenerateResponse>emitter(emitter -> {
            Admission admission = generations.admit(caller, request, deadline);
            GenerationRequest engineRequest = admission.request();
            CollectingListener listener = new CollectingListener();
            GenerationHandle handle = generations.submit(admission, listener);
            emitter.onTermination(() -> generations.end(handle, admission));
            var unused = listener.result().whenComplete((completion, error) -> {
                if (error != null) {
                    emitter.fail(GrpcStatuses.toStatus(error));
                } else if (GrpcStatuses.isError(completion.finishReason())) {
                    emitter.fail(GrpcStatuses.deadlineExceeded());
                } else {
                    emitter.complete(GenerateResponse.newBuilder()
                            .setRequestId(engineRequest.requestId())
                            .setText(completion.text())
                            .addAllTokenIds(GenerationMessages.ids(completion.tokenIds()))
                            .addAllTemperatures(GenerationMessages.floats(completion.temperatures()))
                            .addAllLogprobs(GenerationMessages.logprobs(
                                    completion.logprobs(), generations.model().tokenizer()))
                            .setFinishReason(GenerationMessages.finishReason(completion.finishReason()))
                            .setUsage(GenerationMessages.usage(completion.usage()))
                            .addAllAdapters(GenerationMessages.servedAdapters(engineRequest.adapters()))
                            .build());
                }
            });
        });
        if (!Generations.runsInline(request.getAdaptersCount(), request.getPrompt(), request.hasResponseFormat())) {
            call = call.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return call.onFailure().transform(GrpcStatuses::toStatus);
    }

    @Override
    public Multi<GenerateStreamResponse> generateStream(GenerateRequest request) {
        long deadline = deadline();
        Caller caller = ApiKeyInterceptor.caller();
        Multi<GenerateStreamResponse> call = Multi.createFrom().<GenerateStreamResponse>emitter(emitter -> {
            Admission admission = generations.admit(caller, request, deadline);
            GenerationRequest engineRequest = admission.request();
            String id = engineRequest.requestId();
            GenerationHandle handle = generations.submit(admission, new GenerationListener() {
                @Override
                public void onText(TextChunk chunk) {
                    emitter.emit(GenerationMessages.chunk(
                            id, chunk, generations.model().tokenizer()));
                }

                @Override
                public void onFinish(FinishReason reason, Usage usage) {
                    if (GrpcStatuses.isError(reason)) {
                        emitter.fail(GrpcStatuses.deadlineExceeded());
                        return;
                    }
                    emitter.emit(GenerationMessages.last(id, reason, usage, engineRequest.adapters()));
                    emitter.complete();
                }

                @Override
                public void onError(Throwable error) {
                    emitter.fail(GrpcStatuses.toStatus(error));
                }
            });
            emitter.onTermination(() -> generations.end(handle, admission));
        });
        if (!Generations.runsInline(request.getAdaptersCount(), request.getPrompt(), request.hasResponseFormat())) {
            call = call.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return call.onFailure().transform(GrpcStatuses::toStatus);
    }

    /** The current call's gRPC deadline as a {@link System#nanoTime()} instant, or 0 when it set none. */
    private static long deadline() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? 0 : System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    }
}
