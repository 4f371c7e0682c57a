package io.swapgate.gateway.serving;

import io.smallrye.config.ConfigMapping;

/** Swapgate's own settings (prefix {@code swapgate}); defaults live in application.properties. */
@ConfigMapping(prefix = "swapgate")
public interface SwapgateConfig {

    Model model();

    Runtime runtime();

    Engine engine();

    Adapters adapters();

    interface Model {
        /** A llama2.c checkpoint or folder, a .gguf file, or a Hugging Face model folder. */
        String path();
    }

    interface Runtime {
        String device();

        String gpuDataType();

        int threads();
    }

    interface Engine {
        int maxBatchSize();

        int queueCapacity();

        int maxContext();

        int prefillTokenBudget();

        /** How long in-flight requests may run on after SIGTERM before they are cut. */
        java.time.Duration shutdownGrace();
    }

    interface Adapters {
        /** Root folder of the file-system adapter registry. */
        String registryDir();

        /** Bytes of loaded adapters kept in host memory. */
        long hostCacheBytes();

        /** Widest LoRA served; sizes the device slot table. */
        int maxLoraRank();

        /** Largest adapter_model.safetensors accepted. */
        long maxFileBytes();
    }
}
