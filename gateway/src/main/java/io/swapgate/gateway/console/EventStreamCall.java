package io.swapgate.gateway.console;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * One server-streaming call answered as Server-Sent Events: each message is a {@code data:} line of proto3 JSON, the
 * end is an {@code end} event and a failure an {@code error} event with the status. A failure before any message
 * (the method's own checks) is a plain JSON error with the matching HTTP status instead. Messages are requested one
 * at a time, each once the previous is written, so a slow browser slows the stream rather than growing a buffer.
 * Everything touching the response runs on its Vert.x context.
 */
final class EventStreamCall implements MultiSubscriber<Message> {

    /** Comment lines keep proxies and browsers from timing out an idle watch. */
    private static final long KEEP_ALIVE_MS = 15_000;

    private final HttpServerResponse response;
    private final Context context;
    private final Function<Message, String> json;
    private volatile Flow.Subscription subscription;
    private boolean headersSent;
    private boolean ended;
    private long keepAlive = -1;

    EventStreamCall(HttpServerResponse response, Context context, Function<Message, String> json) {
        this.response = response;
        this.context = context;
        this.json = json;
    }

    /** Subscribes, then opens the stream unless the call failed at once; the client going away cancels it. */
    void start(Multi<? extends Message> messages) {
        response.closeHandler(ignored -> context.runOnContext(v -> cancel()));
        messages.subscribe().withSubscriber(this);
        context.runOnContext(v -> {
            if (!ended) {
                sendHeaders();
                keepAlive = context.owner().setPeriodic(KEEP_ALIVE_MS, id -> {
                    if (!ended) {
                        response.write(": keep-alive\n\n");
                    }
                });
            }
        });
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onItem(Message message) {
        String line = "data: " + json.apply(message) + "\n\n";
        context.runOnContext(v -> {
            if (ended) {
                return;
            }
            sendHeaders();
            response.write(line).onComplete(written -> subscription.request(1));
        });
    }

    @Override
    public void onFailure(Throwable failure) {
        Status status = ConsoleErrors.statusOf(failure);
        context.runOnContext(v -> {
            if (ended) {
                return;
            }
            if (headersSent) {
                end("event: error\ndata: " + ConsoleErrors.body(status) + "\n\n");
            } else {
                finish();
                ConsoleErrors.send(response, status);
            }
        });
    }

    @Override
    public void onCompletion() {
        context.runOnContext(v -> {
            if (!ended) {
                sendHeaders();
                end("event: end\ndata: {}\n\n");
            }
        });
    }

    private void sendHeaders() {
        if (!headersSent) {
            headersSent = true;
            // Cache-Control: no-store is on every console answer already (ConsoleRoutes).
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("X-Accel-Buffering", "no");
            response.write(": open\n\n");
        }
    }

    private void end(String last) {
        finish();
        response.end(last);
    }

    private void cancel() {
        finish();
        if (subscription != null) {
            subscription.cancel();
        }
    }

    /** Nothing more is written: later messages, failures and keep-alives are dropped. */
    private void finish() {
        ended = true;
        if (keepAlive >= 0) {
            context.owner().cancelTimer(keepAlive);
            keepAlive = -1;
        }
    }
}
