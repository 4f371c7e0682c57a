package io.swapgate.e2e;

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
import java.nio.file.Path;

/**
 * The engine in this JVM, configured as the gateway configures it (threads, batch, context): the same workload
 * without gRPC, protobuf, the network, authentication or quotas. For base-model requests only.
 */
final class EngineTarget implements LoadGenerator.Target, AutoCloseable {

    private final LlamaRuntime runtime;
    private final InferenceEngine engine;

    EngineTarget(Path model, int maxBatchSize, int maxContext) {
        LoadedModel loaded = ModelLoader.load(model);
        int threads = RuntimeOptions.autoThreads(
                loaded.config().parameterCount(), Runtime.getRuntime().availableProcessors());
        int context = Math.min(maxContext, loaded.config().contextLength());
        this.runtime = new LlamaRuntime(loaded.config(), loaded.weights(), RuntimeOptions.cpu(threads), context);
        this.engine = new InferenceEngine(
                runtime,
                loaded.tokenizer(),
                EngineConfig.builder()
                        .maxBatchSize(maxBatchSize)
                        .queueCapacity(1024)
                        .maxContext(context)
                        .build());
    }

    @Override
    public void start(LoadGenerator.Request request, LoadGenerator.Observer observer) {
        engine.submit(
                GenerationRequest.builder("load-" + request.index(), request.prompt(), request.maxTokens())
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
