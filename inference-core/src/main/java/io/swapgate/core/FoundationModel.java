package io.swapgate.core;

import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.engine.EngineConfig;
import io.swapgate.core.engine.InferenceEngine;
import io.swapgate.core.engine.TenantPolicy;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.ChatTemplate;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.runtime.HugePages;
import io.swapgate.core.runtime.LlamaRuntime;
import io.swapgate.core.runtime.RuntimeOptions;
import io.swapgate.core.runtime.SequenceForward;
import io.swapgate.core.tokenizer.Tokenizer;
import io.swapgate.core.training.ActivationMemory;
import io.swapgate.core.training.EngineThread;
import io.swapgate.core.training.Evaluator;
import io.swapgate.core.training.Trainer;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Inference-core's face to a server: the frozen base model, loaded once, with the runtime that computes on it, the
 * engine that serves it and the forward pass training shares with it. The runtime stays inside: serving goes through
 * {@link #engine}, and training through {@link #trainer} and {@link #evaluator}, whose tensor work runs on the
 * engine's thread between serving steps.
 */
public final class FoundationModel implements AutoCloseable {

    /**
     * How to serve the model.
     *
     * @param device "auto", "cpu" or "gpu"
     * @param gpuDataType "float16", "bfloat16" or "float32", on a GPU
     * @param threads intra-op threads, or 0 to choose by the model's size and the cores
     * @param engine the engine's limits; its context is cut to the model's when longer
     */
    public record Settings(String device, String gpuDataType, int threads, EngineConfig engine) {}

    /**
     * What is kept of the loaded model once the runtime holds its weights: not the host copy of the weights, which
     * would keep a second full copy of them on the Java heap for as long as the model is served.
     */
    private record About(
            String name, String format, Path source, long parameters, Tokenizer tokenizer, ChatTemplate chatTemplate) {

        static About of(LoadedModel model) {
            return new About(
                    model.name(),
                    model.format(),
                    model.source(),
                    model.config().parameterCount(),
                    model.tokenizer(),
                    model.chatTemplate());
        }
    }

    private final About model;
    private final BaseModelIdentity identity;
    private final RuntimeOptions options;
    private final LlamaRuntime runtime;
    private final InferenceEngine engine;
    private final SequenceForward forward;
    private final EngineThread engineThread;

    private FoundationModel(LoadedModel model, Settings settings, TenantPolicy tenants) {
        int threads = settings.threads() > 0
                ? settings.threads()
                : RuntimeOptions.autoThreads(
                        model.config().parameterCount(), Runtime.getRuntime().availableProcessors());
        this.model = About.of(model);
        this.identity = BaseModelIdentity.of(model.name(), model.config(), model.weights());
        this.options = RuntimeOptions.select(settings.device(), settings.gpuDataType(), threads);
        EngineConfig limits = settings.engine()
                .withMaxContext(
                        Math.min(settings.engine().maxContext(), model.config().contextLength()));
        this.runtime = new LlamaRuntime(model.config(), model.weights(), options, limits.maxContext());
        this.engine = new InferenceEngine(runtime, model.tokenizer(), limits, tenants);
        this.forward = new SequenceForward(runtime);
        this.engineThread = EngineThread.backgroundOf(engine);
    }

    /** Loads the model at {@code path} (any format {@link ModelLoader} reads) and starts serving it. */
    public static FoundationModel load(Path path, Settings settings, TenantPolicy tenants) {
        return serve(ModelLoader.load(path), settings, tenants);
    }

    /** Starts serving a model already loaded. */
    public static FoundationModel serve(LoadedModel model, Settings settings, TenantPolicy tenants) {
        return new FoundationModel(model, settings, tenants);
    }

    public String name() {
        return model.name();
    }

    /** What adapters are bound to: the model's name and the digest of its weights. */
    public BaseModelIdentity identity() {
        return identity;
    }

    /** The model's own chat template, or null when its files have none. */
    public ChatTemplate chatTemplate() {
        return model.chatTemplate();
    }

    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    public InferenceEngine engine() {
        return engine;
    }

    /** A trainer whose micro-batches fit {@code memory}; its steps run in the engine's background lane. */
    public Trainer trainer(ActivationMemory memory) {
        return new Trainer(forward, engineThread, memory);
    }

    /** An evaluator whose batches run in the engine's background lane. */
    public Evaluator evaluator() {
        return new Evaluator(forward, engineThread);
    }

    /** The native library a model would run on: PyTorch's version, where libtorch lies, and the GPUs it sees. */
    public record NativeLibrary(String version, String path, int gpus) {}

    /**
     * Loads libtorch as serving would: from DJL's cache ({@code DJL_CACHE_DIR}), unpacking or (unless
     * {@code ai.djl.offline}) downloading the flavour {@code PYTORCH_FLAVOR} names first. An image build runs this
     * once, so pods start with everything in the image and never download.
     */
    public static NativeLibrary loadNativeLibrary() {
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        return new NativeLibrary(
                engine.getVersion(), ai.djl.pytorch.jni.LibUtils.getLibtorchPath(), engine.getGpuCount());
    }

    /** One line for the startup log: the model, where it runs and the engine's size. */
    public String describe() {
        EngineConfig limits = engine.config();
        return String.format(
                Locale.ROOT,
                "%s (%s, %s, %.2fM parameters) on %s/%s with %d threads: context %d, batch %d,"
                        + " KV cache %.1f MiB%s",
                model.name(),
                model.format(),
                model.source(),
                model.parameters() / 1e6,
                options.device(),
                options.dataType(),
                options.threads(),
                limits.maxContext(),
                limits.maxBatchSize(),
                engine.kvCacheBytes() / 1048576.0,
                options.device().isGpu() ? "" : ", libtorch's large blocks on " + HugePages.state());
    }

    /** Stops the engine (cancelling what still runs) and frees the runtime's native memory. */
    @Override
    public void close() {
        engine.close();
        runtime.close();
    }
}
