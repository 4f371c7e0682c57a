package io.swapgate.e2e;

import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.engine.GenerationListener;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TextChunk;
import io.swapgate.core.engine.Usage;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.sampling.TokenLogprobs;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine in this JVM, configured as the gateway configures it (threads, batch, context) or with a chosen number of
 * intra-op threads: the same workload without gRPC, protobuf, the network, authentication or quotas, and greedy
 * completions with their token ids. Load runs are base-model requests; a greedy completion may take adapters.
 */
final class EngineTarget implements LoadGenerator.Target, AutoCloseable {

    private final LlamaRuntime runtime;
    private final InferenceEngine engine;
    private final AtomicInteger requests = new AtomicInteger();

    /** The model at {@code model}, on the threads the gateway would choose for it. */
    EngineTarget(Path model, int maxBatchSize, int maxContext) {
        this(ModelLoader.load(model), 0, maxBatchSize, maxContext);
    }

    /** @param threads intra-op threads, or 0 for the gateway's automatic choice */
    EngineTarget(LoadedModel model, int threads, int maxBatchSize, int maxContext) {
        int chosen = threads > 0
                ? threads
                : RuntimeOptions.autoThreads(
                        model.config().parameterCount(), Runtime.getRuntime().availableProcessors());
        int context = Math.min(maxContext, model.config().contextLength());
        this.runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(chosen), context);
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
        return greedy(prompt, tokens, AdapterSelection.NONE);
    }

    /** The greedy completion of {@code prompt} through {@code adapters}, with each token's top-20 log-probabilities. */
    CollectingListener.Completion greedy(String prompt, int tokens, AdapterSelection adapters) throws Exception {
        return complete(GenerationRequest.builder("greedy-" + requests.incrementAndGet(), prompt, tokens)
                .adapters(adapters)
                .logprobs(TokenLogprobs.MAX_TOP)
                .build());
    }

    /** The completion of {@code request}, whole. */
    CollectingListener.Completion complete(GenerationRequest request) throws Exception {
        return submit(request).get(5, TimeUnit.MINUTES);
    }

    /** Queues {@code request}; its completion arrives whole. */
    java.util.concurrent.CompletableFuture<CollectingListener.Completion> submit(GenerationRequest request) {
        CollectingListener listener = new CollectingListener();
        engine.submit(request, listener);
        return listener.result();
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
