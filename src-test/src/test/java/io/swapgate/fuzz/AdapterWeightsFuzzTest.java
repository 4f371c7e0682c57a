package io.swapgate.fuzz;

import io.swapgate.core.adapter.PeftAdapterReader;

/** Any bytes as {@code adapter_model.safetensors} beside a valid adapter's config. */
class AdapterWeightsFuzzTest extends AdapterFileFuzzTest {

    @Override
    String fuzzedFile() {
        return PeftAdapterReader.WEIGHTS_FILE;
    }
}
