package io.swapgate.core.training;

import io.swapgate.core.engine.InferenceEngine;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * Where training's tensor work runs: on the thread that owns the runtime. Serving passes the engine's background lane;
 * code that owns a runtime outright runs the work in place.
 */
@FunctionalInterface
public interface EngineThread {

    /** Runs work on the calling thread. */
    EngineThread CALLER = Callable::call;

    <T> T run(Callable<T> work) throws Exception;

    /** Runs work in {@code engine}'s background lane, below serving; failures surface as they were thrown. */
    static EngineThread backgroundOf(InferenceEngine engine) {
        return new EngineThread() {
            @Override
            public <T> T run(Callable<T> work) throws Exception {
                try {
                    return engine.runInBackground(work).get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        };
    }
}
