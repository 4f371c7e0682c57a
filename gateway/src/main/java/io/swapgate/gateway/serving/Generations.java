package io.swapgate.gateway.serving;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.core.sampling.TokenLogprobs;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.tenancy.QuotaPermit;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.proto.v1.GenerateRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts and ends generations for every front end (gRPC, HTTP): checks that the caller may use the adapters it names
 * and that its tenant's quotas admit the request, maps the wire request to an engine request with the API's defaults,
 * resolves and pins its adapter versions, submits it, and releases all of that when it ends.
 */
@ApplicationScoped
public class Generations {

    /** Temperature when the request leaves it unset (as OpenAI-style APIs do). */
    private static final float DEFAULT_TEMPERATURE = 1.0f;
    /** Longest prompt tokenized on the event loop: a few microseconds' work; longer ones go to a worker. */
    private static final int INLINE_PROMPT_CHARS = 1024;

    private final ServedModel model;
    private final ServedAdapters adapters;
    private final ServingMetrics metrics;
    private final TenantDirectory tenants;
    private final GenerationTracing tracing;
    private final Grammars grammars;
    /** Generations submitted and not yet ended by their front end; notified as each ends. */
    private final AtomicInteger open = new AtomicInteger();

    Generations(
            ServedModel model,
            ServedAdapters adapters,
            ServingMetrics metrics,
            TenantDirectory tenants,
            GenerationTracing tracing,
            Grammars grammars) {
        this.model = model;
        this.grammars = grammars;
        this.tracing = tracing;
        this.adapters = adapters;
        this.metrics = metrics;
        this.tenants = tenants;
    }

    public ServedModel model() {
        return model;
    }

    /**
     * Whether admitting and submitting a request is cheap enough for the event loop: no adapter to load from files, a
     * short prompt to tokenize, and no response format to compile. Otherwise front ends run them on a worker thread.
     */
    public static boolean runsInline(int adapterCount, String prompt, boolean constrained) {
        return adapterCount == 0 && prompt.length() <= INLINE_PROMPT_CHARS && !constrained;
    }

    /**
     * Lets a request in: access to its adapters, its tenant's quotas, then its adapters resolved (reads files on a cold
     * load: call off the event loop when it names adapters). What it holds is released by {@link #end} or a failed
     * {@link #submit}.
     *
     * @param deadlineNanos a {@link System#nanoTime()} instant, or 0 for none
     */
    public Admission admit(Caller caller, GenerateRequest request, long deadlineNanos) {
        try {
            model.engine().checkMaxNewTokens(request.getMaxNewTokens());
            request.getAdaptersList()
                    .forEach(reference -> tenants.access()
                            .checkUse(caller, WeightedReference.parse(reference).reference()));
            QuotaPermit permit = tenants.quotas().admit(caller.tenant(), request.getMaxNewTokens());
            try {
                long started = System.nanoTime();
                GenerationRequest engineRequest = resolve(caller, request, deadlineNanos);
                return new Admission(engineRequest, permit, System.nanoTime() - started);
            } catch (RuntimeException e) {
                permit.close();
                throw e;
            }
        } catch (RuntimeException e) {
            metrics.refused(caller.tenant(), e);
            throw e;
        }
    }

    private GenerationRequest resolve(Caller caller, GenerateRequest request, long deadlineNanos) {
        String requestId = request.getRequestId().isEmpty()
                ? UUID.randomUUID().toString()
                : RequestIds.check(request.getRequestId());
        var options = request.getAdapterOptions();
        if (options.hasLoraRank() && options.getLoraRank() <= 0) {
            throw new IllegalArgumentException("lora_rank must be positive, got " + options.getLoraRank());
        }
        AdapterSelection selection = adapters.select(request.getAdaptersList(), options.getLoraRank());
        return GenerationRequest.builder(requestId, request.getPrompt(), request.getMaxNewTokens())
                .sampling(sampling(request))
                .deadlineNanos(deadlineNanos)
                .adapters(selection)
                .returnTemperatures(request.getReturnTemperatures())
                .logprobs(logprobs(request))
                .grammar(grammars.of(caller.tenant(), request.getResponseFormat()))
                .tenant(caller.tenant())
                .build();
    }

    /** The engine's logprobs setting: none, or the chosen token's with up to 20 alternatives. */
    private static int logprobs(GenerateRequest request) {
        int top = request.getTopLogprobs();
        if (top < 0 || top > TokenLogprobs.MAX_TOP) {
            throw new IllegalArgumentException(
                    "top_logprobs must be between 0 and " + TokenLogprobs.MAX_TOP + ", got " + top);
        }
        if (!request.getLogprobs()) {
            if (top > 0) {
                throw new IllegalArgumentException("top_logprobs needs logprobs set");
            }
            return GenerationRequest.NO_LOGPROBS;
        }
        return top;
    }

    private static SamplingParams sampling(GenerateRequest request) {
        var s = request.getSampling();
        float temperature = s.hasTemperature() ? s.getTemperature() : DEFAULT_TEMPERATURE;
        float topP = s.getTopP() == 0f ? 1f : s.getTopP();
        float penalty = s.getRepetitionPenalty() == 0f ? 1f : s.getRepetitionPenalty();
        long seed = s.hasSeed() ? s.getSeed() : ThreadLocalRandom.current().nextLong();
        return SamplingParams.sampled(temperature, seed)
                .withTopK(s.getTopK())
                .withTopP(topP)
                .withRepetitionPenalty(penalty)
                .withStop(s.getStopList());
    }

    /** Queues the request; if the engine refuses it, what it holds is released at once. */
    public GenerationHandle submit(Admission admission, GenerationListener listener) {
        GenerationRequest request = admission.request();
        try {
            open.incrementAndGet();
            GenerationHandle handle;
            try {
                handle = model.engine()
                        .submit(
                                request,
                                metrics.metered(
                                        request,
                                        tracing.traced(
                                                request,
                                                new Settling(
                                                        admission.permit(), RequestLog.logged(request, listener)))));
            } catch (RuntimeException e) {
                callEnded();
                throw e;
            }
            metrics.admitted(request.tenant(), admission.adapterLoadNanos());
            return handle;
        } catch (RuntimeException e) {
            metrics.refused(request.tenant(), e);
            release(admission);
            throw e;
        }
    }

    /** The caller is done (finished, failed or gone): stop generating and release the adapters and the quota. */
    public void end(GenerationHandle handle, Admission admission) {
        handle.cancel();
        release(admission);
        callEnded();
    }

    private void callEnded() {
        open.decrementAndGet();
        synchronized (open) {
            open.notifyAll();
        }
    }

    /**
     * On SIGTERM, after the engine drained ({@link ServedModel#drain}): the engine's last words must also have left
     * through the front ends (a stream's end, its trailers) before the server closes its connections, or a client
     * sees the connection drop under a finished stream. Waits until every call ended, for a few seconds at most.
     */
    void awaitCallsEnded(@Observes @Priority(3000) ShutdownDelayInitiatedEvent event) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (open) {
            while (open.get() > 0 && System.nanoTime() - deadline < 0) {
                open.wait(50);
            }
        }
    }

    private void release(Admission admission) {
        adapters.release(admission.request().adapters());
        admission.permit().close();
    }

    /** Charges the tokens a finished generation really used against its tenant's tokens-per-minute quota. */
    private record Settling(QuotaPermit permit, GenerationListener delegate) implements GenerationListener {
        @Override
        public void onText(TextChunk chunk) {
            delegate.onText(chunk);
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            permit.settle(usage.promptTokens(), usage.completionTokens());
            delegate.onFinish(reason, usage);
        }

        @Override
        public void onError(Throwable error) {
            delegate.onError(error);
        }
    }
}
