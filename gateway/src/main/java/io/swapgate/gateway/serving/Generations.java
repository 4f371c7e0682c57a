package io.swapgate.gateway.serving;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.GenerationHandle;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.proto.v1.GenerateRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starts and ends generations for every front end (gRPC, HTTP): maps the wire request to an engine request with the
 * API's defaults, resolves and pins its adapter versions, submits it, and unpins when it ends.
 */
@ApplicationScoped
public class Generations {

    /** Temperature when the request leaves it unset (as OpenAI-style APIs do). */
    private static final float DEFAULT_TEMPERATURE = 1.0f;

    private final ServedModel model;
    private final ServedAdapters adapters;
    private final ServingMetrics metrics;

    Generations(ServedModel model, ServedAdapters adapters, ServingMetrics metrics) {
        this.model = model;
        this.adapters = adapters;
        this.metrics = metrics;
    }

    public ServedModel model() {
        return model;
    }

    /**
     * Maps a wire request and resolves its adapters (reads files on a cold load: call off the event loop when it names
     * adapters); the versions stay pinned until {@link #end} or a failed {@link #submit}.
     *
     * @param deadlineNanos a {@link System#nanoTime()} instant, or 0 for none
     */
    public GenerationRequest toEngine(GenerateRequest request, long deadlineNanos) {
        try {
            return resolve(request, deadlineNanos);
        } catch (RuntimeException e) {
            metrics.refused(e);
            throw e;
        }
    }

    private GenerationRequest resolve(GenerateRequest request, long deadlineNanos) {
        String requestId = request.getRequestId().isEmpty() ? UUID.randomUUID().toString() : request.getRequestId();
        var options = request.getAdapterOptions();
        if (options.hasLoraRank() && options.getLoraRank() <= 0) {
            throw new IllegalArgumentException("lora_rank must be positive, got " + options.getLoraRank());
        }
        AdapterSelection selection = adapters.select(request.getAdaptersList(), options.getLoraRank());
        return new GenerationRequest(requestId, request.getPrompt(), request.getMaxNewTokens(), sampling(request), deadlineNanos,
                selection, request.getReturnTemperatures());
    }

    private static SamplingParams sampling(GenerateRequest request) {
        var s = request.getSampling();
        float temperature = s.hasTemperature() ? s.getTemperature() : DEFAULT_TEMPERATURE;
        float topP = s.getTopP() == 0f ? 1f : s.getTopP();
        float penalty = s.getRepetitionPenalty() == 0f ? 1f : s.getRepetitionPenalty();
        long seed = s.hasSeed() ? s.getSeed() : ThreadLocalRandom.current().nextLong();
        return new SamplingParams(temperature, s.getTopK(), topP, seed, penalty, s.getStopList());
    }

    /** Queues the request; if the engine refuses it, its adapter versions are unpinned at once. */
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        try {
            return model.engine().submit(request, metrics.metered(request, listener));
        } catch (RuntimeException e) {
            metrics.refused(e);
            adapters.release(request.adapters());
            throw e;
        }
    }

    /** The caller is done (finished, failed or gone): stop generating and unpin the request's adapter versions. */
    public void end(GenerationHandle handle, GenerationRequest request) {
        handle.cancel();
        adapters.release(request.adapters());
    }
}
