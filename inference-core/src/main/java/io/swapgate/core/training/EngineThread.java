package io.swapgate.core.training;

import java.util.concurrent.Callable;

/**
 * Where training's tensor work runs: on the thread that owns the runtime. Serving passes the engine's background lane;
 * code that owns a runtime outright runs the work in place.
 */
@FunctionalInterface
public interface EngineThread {

    /** Runs work on the calling thread. */
    EngineThread CALLER = Callable::call;

    <T> T run(Callable<T> work) throws Exception;
}
