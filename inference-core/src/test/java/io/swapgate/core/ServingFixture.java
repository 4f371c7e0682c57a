package io.swapgate.core;

import io.swapgate.core.engine.CollectingListener;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TenantPolicy;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.sampling.SamplingParams;
import java.util.concurrent.TimeUnit;

/** A model served by a real engine, for tests. */
public final class ServingFixture implements AutoCloseable {

    public final LoadedModel model;
    public final LlamaRuntime runtime;
    public final InferenceEngine engine;

    public ServingFixture(LoadedModel model, EngineConfig config) {
        this(model, config, TenantPolicy.EQUAL);
    }

    public ServingFixture(LoadedModel model, EngineConfig config, TenantPolicy tenants) {
        this.model = model;
        int context = Math.min(model.config().contextLength(), config.maxContext());
        this.runtime = new LlamaRuntime(model.config(), model.weights(), RuntimeOptions.cpu(1), context);
        this.engine = new InferenceEngine(runtime, model.tokenizer(), config, tenants);
    }

    public ServingFixture(LoadedModel model) {
        this(
                model,
                EngineConfig.builder()
                        .maxContext(Math.min(512, model.config().contextLength()))
                        .build());
    }

    public CollectingListener.Completion generate(String prompt, int maxNewTokens, SamplingParams sampling)
            throws Exception {
        return generate(GenerationRequest.builder("test", prompt, maxNewTokens)
                .sampling(sampling)
                .build());
    }

    public CollectingListener.Completion generate(GenerationRequest request) throws Exception {
        CollectingListener listener = new CollectingListener();
        engine.submit(request, listener);
        return listener.result().get(60, TimeUnit.SECONDS);
    }

    public CollectingListener.Completion greedy(String prompt, int maxNewTokens) throws Exception {
        return generate(prompt, maxNewTokens, SamplingParams.greedy());
    }

    @Override
    public void close() {
        engine.close();
        runtime.close();
    }
}
