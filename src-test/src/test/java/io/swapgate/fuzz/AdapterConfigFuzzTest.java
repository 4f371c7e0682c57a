package io.swapgate.fuzz;

import io.swapgate.core.adapter.PeftAdapterReader;

/** Any bytes as {@code adapter_config.json} beside a valid adapter's weights. */
class AdapterConfigFuzzTest extends AdapterFileFuzzTest {

    @Override
    String fuzzedFile() {
        return PeftAdapterReader.CONFIG_FILE;
    }
}
