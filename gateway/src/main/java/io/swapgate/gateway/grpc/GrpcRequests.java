package io.swapgate.gateway.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.sampling.SamplingParams;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.proto.v1.GenerateRequest;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Maps wire requests to engine requests, applying the API's defaults. */
final class GrpcRequests {

    /** Temperature when the request leaves it unset (as OpenAI-style APIs do). */
    static final float DEFAULT_TEMPERATURE = 1.0f;

    private GrpcRequests() {}

    /**
     * @param deadlineNanos from {@link #deadline()}, read on the call's own thread
     */
    static GenerationRequest toEngine(GenerateRequest request, ServedAdapters adapters, long deadlineNanos) {
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

    /** The current call's gRPC deadline as a {@link System#nanoTime()} instant, or 0 when it set none. */
    static long deadline() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? 0 : System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    }
}
