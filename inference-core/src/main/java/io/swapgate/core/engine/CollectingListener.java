package io.swapgate.core.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Gathers a request's whole output into one {@link Completion}, for callers that want the result at once. */
public final class CollectingListener implements GenerationListener {

    private final StringBuilder text = new StringBuilder();
    private final List<Integer> tokenIds = new ArrayList<>();
    private final CompletableFuture<Completion> result = new CompletableFuture<>();

    public CompletableFuture<Completion> result() {
        return result;
    }

    @Override
    public void onText(String piece, int[] ids) {
        text.append(piece);
        for (int id : ids) {
            tokenIds.add(id);
        }
    }

    @Override
    public void onFinish(FinishReason reason, Usage usage) {
        result.complete(new Completion(text.toString(), tokenIds.stream().mapToInt(Integer::intValue).toArray(), reason, usage));
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    /** A finished request's output. */
    public record Completion(String text, int[] tokenIds, FinishReason finishReason, Usage usage) {}
}
