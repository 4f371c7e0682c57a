package io.swapgate.gateway.serving;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One log line per generation as it ends (category {@code swapgate.requests}), with the request id, the tenant and the
 * adapter versions that served it in the MDC, so that JSON logs ({@code SWAPGATE_LOG_JSON=true}) carry them as
 * fields.
 */
final class RequestLog implements GenerationListener {

    private static final Logger LOG = Logger.getLogger("swapgate.requests");

    private final GenerationRequest request;
    private final GenerationListener delegate;
    private final long started = System.nanoTime();

    private RequestLog(GenerationRequest request, GenerationListener delegate) {
        this.request = request;
        this.delegate = delegate;
    }

    static GenerationListener logged(GenerationRequest request, GenerationListener delegate) {
        return LOG.isInfoEnabled() ? new RequestLog(request, delegate) : delegate;
    }

    @Override
    public void onText(TextChunk chunk) {
        delegate.onText(chunk);
    }

    @Override
    public void onFinish(FinishReason reason, Usage usage) {
        log(String.format(
                java.util.Locale.ROOT,
                "finished: %s, %d prompt + %d generated tokens in %d ms",
                reason,
                usage.promptTokens(),
                usage.completionTokens(),
                elapsedMillis()));
        delegate.onFinish(reason, usage);
    }

    @Override
    public void onError(Throwable error) {
        log("failed after " + elapsedMillis() + " ms: " + error);
        delegate.onError(error);
    }

    private long elapsedMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    private void log(String message) {
        MDC.put("requestId", request.requestId());
        MDC.put("tenant", request.tenant());
        MDC.put(
                "adapters",
                request.adapters().adapters().stream().map(RequestLog::describe).collect(Collectors.joining(",")));
        try {
            LOG.info(message);
        } finally {
            MDC.remove("requestId");
            MDC.remove("tenant");
            MDC.remove("adapters");
        }
    }

    private static String describe(Adapter adapter) {
        return adapter.identity().name() + "@" + adapter.identity().version();
    }
}
