package io.swapgate.fuzz;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.e2e.E2e;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * Valid inputs the fuzz targets start from and pair fuzzed files with: stories260K as the base, and one small adapter
 * of every kind written in the PEFT layout by Swapgate's own writer.
 */
final class FuzzFixtures {

    static final LoadedModel MODEL = ModelLoader.load(E2e.stories260K());
    static final BaseModelIdentity BASE = BaseModelIdentity.of(MODEL.name(), MODEL.config(), MODEL.weights());
    static final PeftAdapterReader READER =
            new PeftAdapterReader(BASE, AdapterLimits.defaults(MODEL.config().contextLength()));

    /** One folder per adapter kind (LoRA, DyLoRA, prompt, prefix, TempNet), each with its config and weights. */
    static final List<Path> ADAPTERS = writeAdapters();

    private FuzzFixtures() {}

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> writeAdapters() {
        RandomAdapters random = new RandomAdapters(MODEL.config(), 7);
        List<Adapter> adapters = List.of(
                random.lora("lora", 2, 4f, false, 0, EnumSet.of(LoraModule.Q, LoraModule.V)),
                random.lora("dylora", 4, 4f, false, 2, EnumSet.of(LoraModule.O)),
                random.prompt("prompt", 2),
                random.prefix("prefix", 2),
                random.tempNet("tempnet", TempNetAdapter.Input.HIDDEN, 4));
        try {
            Path root = FuzzFiles.folder("fixtures");
            for (Adapter adapter : adapters) {
                PeftAdapterWriter.write(root.resolve(adapter.identity().name()), adapter, BASE);
            }
            return adapters.stream().map(a -> root.resolve(a.identity().name())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
