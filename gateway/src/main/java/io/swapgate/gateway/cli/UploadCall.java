package io.swapgate.gateway.cli;

import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.UploadRequest;
import io.swapgate.proto.v1.VersionInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** One client-streaming {@code Adapters.Upload} call: send its messages, then {@link #finish} for the answer. */
public final class UploadCall {

    private final CompletableFuture<VersionInfo> result = new CompletableFuture<>();
    private final StreamObserver<UploadRequest> requests;

    public UploadCall(AdaptersGrpc.AdaptersStub stub) {
        this.requests = stub.upload(new StreamObserver<>() {
            @Override
            public void onNext(VersionInfo value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.completeExceptionally(new IllegalStateException("upload ended without a version"));
            }
        });
    }

    public void send(UploadRequest request) {
        requests.onNext(request);
    }

    /** Whether the gateway already answered (a refusal arrives before the last chunk): sending more is pointless. */
    public boolean answered() {
        return result.isDone();
    }

    /**
     * Ends the stream and waits for the answer.
     *
     * @return the new version; a refusal is thrown as the call's {@link io.grpc.StatusRuntimeException}
     */
    public VersionInfo finish() throws InterruptedException {
        requests.onCompleted();
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
