package io.swapgate.gateway.serving;

import io.smallrye.config.ConfigMapping;

/** Swapgate's own settings (prefix {@code swapgate}); defaults live in application.properties. */
@ConfigMapping(prefix = "swapgate")
public interface SwapgateConfig {

    Model model();

    Runtime runtime();

    Engine engine();

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
    }
}
