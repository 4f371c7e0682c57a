package io.swapgate.gateway.serving;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

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
    }

    interface Adapters {
        /** Folder with one sub-folder per adapter (name or tenant/name) in the PEFT layout. */
        Optional<String> dir();

        /** Widest LoRA served; sizes the device slot table. */
        int maxLoraRank();

        /** Largest adapter_model.safetensors accepted. */
        long maxFileBytes();
    }
}
