package io.swapgate.core.adapter;

import io.swapgate.core.TestModels;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/** stories260K with random adapters written to disk in the PEFT layout and read back the way the server reads them. */
final class TestAdapters {

    static final Set<LoraModule> ALL_MODULES = EnumSet.allOf(LoraModule.class);

    final LoadedModel model;
    final BaseModelIdentity base;
    final RandomAdapters random;
    final PeftAdapterReader reader;
    private final Path dir;

    TestAdapters(Path dir, long seed) {
        this.dir = dir;
        this.model = ModelLoader.load(TestModels.stories());
        this.base = BaseModelIdentity.of(model.name(), model.config(), model.weights());
        this.random = new RandomAdapters(model.config(), seed);
        this.reader = new PeftAdapterReader(
                base, AdapterLimits.defaults(model.config().contextLength()));
    }

    /** Writes the adapter in the PEFT layout and reads it back, as the server would load it. */
    @SuppressWarnings("unchecked")
    <T extends Adapter> T roundTrip(T adapter) {
        Path folder = folder(adapter.identity().name());
        try {
            PeftAdapterWriter.write(folder, adapter, base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return (T) reader.read(folder, adapter.identity().name());
    }

    Path folder(String name) {
        return dir.resolve(name);
    }
}
