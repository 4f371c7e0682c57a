package io.swapgate.gateway.console;

import com.google.protobuf.Message;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.function.Function;

/** A gRPC method the console may call: its request type, and the service method itself. */
sealed interface ConsoleMethod {

    /** An empty request, to parse the JSON body into. */
    Message prototype();

    record Unary<Q extends Message>(Q prototype, Function<Q, Uni<? extends Message>> call) implements ConsoleMethod {
        @SuppressWarnings("unchecked") // the request was parsed from prototype(), so it is a Q
        Uni<? extends Message> invoke(Message request) {
            return call.apply((Q) request);
        }
    }

    record ServerStreaming<Q extends Message>(Q prototype, Function<Q, Multi<? extends Message>> call)
            implements ConsoleMethod {
        @SuppressWarnings("unchecked") // the request was parsed from prototype(), so it is a Q
        Multi<? extends Message> invoke(Message request) {
            return call.apply((Q) request);
        }
    }
}
