package io.swapgate.e2e;

import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import java.util.concurrent.TimeUnit;

/** The packaged gateway over real gRPC: one streaming call per request, on a channel per API key. */
final class GrpcTarget implements LoadGenerator.Target {

    private final GatewayProcess gateway;

    GrpcTarget(GatewayProcess gateway) {
        this.gateway = gateway;
    }

    @Override
    public void start(LoadGenerator.Request request, LoadGenerator.Observer observer) {
        GenerateRequest call = GenerateRequest.newBuilder()
                .setPrompt(request.prompt())
                .setMaxNewTokens(request.maxTokens())
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .addAllAdapters(request.adapters())
                .build();
        InferenceGrpc.newStub(gateway.channel(request.apiKey()))
                .withDeadlineAfter(10, TimeUnit.MINUTES)
                .generateStream(call, new StreamObserver<>() {
                    @Override
                    public void onNext(GenerateStreamResponse piece) {
                        observer.piece(piece.getTokenIdsCount());
                    }

                    @Override
                    public void onError(Throwable error) {
                        observer.finished(String.valueOf(error.getMessage()));
                    }

                    @Override
                    public void onCompleted() {
                        observer.finished(null);
                    }
                });
    }
}
