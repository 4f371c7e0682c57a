package io.swapgate.core.engine;

import io.swapgate.core.sampling.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Gathers a request's whole output into one {@link Completion}, for callers that want the result at once. */
public final class CollectingListener implements GenerationListener {

    private final StringBuilder text = new StringBuilder();
    private final List<Integer> tokenIds = new ArrayList<>();
    private final List<Float> temperatures = new ArrayList<>();
    private final List<TokenLogprobs> logprobs = new ArrayList<>();
    private final CompletableFuture<Completion> result = new CompletableFuture<>();

    public CompletableFuture<Completion> result() {
        return result;
    }

    @Override
    public void onText(TextChunk chunk) {
        text.append(chunk.text());
        for (int id : chunk.tokenIds()) {
            tokenIds.add(id);
        }
        for (float t : chunk.temperatures()) {
            temperatures.add(t);
        }
        logprobs.addAll(List.of(chunk.logprobs()));
    }

    @Override
    public void onFinish(FinishReason reason, Usage usage) {
        float[] temps = new float[temperatures.size()];
        for (int i = 0; i < temps.length; i++) {
            temps[i] = temperatures.get(i);
        }
        result.complete(new Completion(
                text.toString(),
                tokenIds.stream().mapToInt(Integer::intValue).toArray(),
                temps,
                List.copyOf(logprobs),
                reason,
                usage));
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    /**
     * A finished request's output.
     *
     * @param temperatures per generated token, when the request asked for them
     * @param logprobs per generated token, when the request asked for them
     */
    public record Completion(
            String text,
            int[] tokenIds,
            float[] temperatures,
            List<TokenLogprobs> logprobs,
            FinishReason finishReason,
            Usage usage) {}
}
