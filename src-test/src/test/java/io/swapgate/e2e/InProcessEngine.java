package io.swapgate.e2e;

import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Swapgate's engine in this JVM on an already loaded model, with a chosen number of intra-op threads (a setting of the
 * whole process: the last engine built sets it), for base-model requests: a {@link LoadGenerator.Target}, and greedy
 * completions with their token ids.
 */
final class InProcessEngine implements LoadGenerator.Target, AutoCloseable {

    private final LlamaRuntime runtime;
    private final InferenceEngine engine;
    private final AtomicInteger requests = new AtomicInteger();

    InProcessEngine(LoadedModel model, int threads, int maxBatchSize, int maxContext) {
        int context = Math.min(maxContext, model.config().contextLength());
        this.runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(threads), context);
        this.engine = new InferenceEngine(
                runtime,
                model.tokenizer(),
                EngineConfig.builder()
                        .maxBatchSize(maxBatchSize)
                        .queueCapacity(1024)
                        .maxContext(context)
                        .build());
    }

    /** The greedy completion of {@code prompt}, {@code tokens} tokens long unless the model ends it. */
    CollectingListener.Completion greedy(String prompt, int tokens) throws Exception {
        CollectingListener listener = new CollectingListener();
        engine.submit(
                GenerationRequest.builder("greedy-" + requests.incrementAndGet(), prompt, tokens)
                        .build(),
                listener);
        return listener.result().get(5, TimeUnit.MINUTES);
    }

    @Override
    public void start(LoadGenerator.Request request, LoadGenerator.Observer observer) {
        engine.submit(
                GenerationRequest.builder("load-" + requests.incrementAndGet(), request.prompt(), request.maxTokens())
                        .build(),
                new GenerationListener() {
                    @Override
                    public void onText(TextChunk chunk) {
                        observer.piece(chunk.tokenIds().length);
                    }

                    @Override
                    public void onFinish(FinishReason reason, Usage usage) {
                        observer.finished(null);
                    }

                    @Override
                    public void onError(Throwable error) {
                        observer.finished(String.valueOf(error.getMessage()));
                    }
                });
    }

    @Override
    public void close() {
        engine.close();
        runtime.close();
    }
}
