package io.swapgate.gateway.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A call that must carry one request message but half-closes without one gets INVALID_ARGUMENT. That is what a
 * malformed request body looks like from here: the Vert.x gRPC bridge drops a message its marshaller cannot parse
 * (bytes that are not protobuf, nesting deeper than protobuf's limit), and grpc-java would then answer INTERNAL
 * "Half-closed without a request", as if the server were at fault.
 */
@GlobalInterceptor
@ApplicationScoped
public class RequestMessageInterceptor implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            return listener;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            private boolean received; // a call's listener events arrive one at a time

            @Override
            public void onMessage(Q message) {
                received = true;
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (received) {
                    super.onHalfClose();
                    return;
                }
                call.close(
                        Status.INVALID_ARGUMENT.withDescription(
                                "the request to " + call.getMethodDescriptor().getFullMethodName()
                                        + " is missing or is not a valid protobuf message"),
                        new Metadata());
            }
        };
    }
}
