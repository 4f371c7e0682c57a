package io.swapgate.gateway.training;

import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.training.EngineThread;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/** Training work through the engine's background lane, below serving; failures surface as they were thrown. */
final class EngineBackgroundThread implements EngineThread {

    private final InferenceEngine engine;

    EngineBackgroundThread(InferenceEngine engine) {
        this.engine = engine;
    }

    @Override
    public <T> T run(Callable<T> work) throws Exception {
        try {
            return engine.runInBackground(work).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
