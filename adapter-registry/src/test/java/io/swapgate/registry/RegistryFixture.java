package io.swapgate.registry;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** A registry on disk for stories260K, with random adapters to publish. */
final class RegistryFixture {

    static final LoadedModel MODEL = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
    static final BaseModelIdentity BASE = BaseModelIdentity.of(MODEL.name(), MODEL.config(), MODEL.weights());

    final Path dir;
    final PeftAdapterReader reader = new PeftAdapterReader(BASE, AdapterLimits.defaults(512));
    final FileSystemAdapterRegistry registry;
    final RandomAdapters random;
    private int written;

    RegistryFixture(Path dir, long seed) {
        this.dir = dir;
        this.registry = new FileSystemAdapterRegistry(dir.resolve("registry"), reader, Clock.systemUTC());
        this.random = new RandomAdapters(MODEL.config(), seed);
    }

    /** A PEFT folder holding a new random prompt adapter (distinct content each call). */
    Path adapterFolder() throws IOException {
        return write(random.prompt("p", 2));
    }

    Path write(Adapter adapter) throws IOException {
        Path folder = dir.resolve("source-" + written++);
        PeftAdapterWriter.write(folder, adapter, BASE);
        return folder;
    }

    /** Names of a folder's entries (none when it does not exist). */
    static java.util.List<String> list(Path folder) throws IOException {
        return FileSystemAdapterRegistry.children(folder).stream()
                .map(p -> p.getFileName().toString())
                .toList();
    }

    /** The files under the registry's staging folders, but for their owners' lock files. */
    static java.util.List<Path> stagedFiles(FileSystemAdapterRegistry registry) throws IOException {
        try (var files = java.nio.file.Files.walk(registry.root().resolve("staging"))) {
            return files.filter(java.nio.file.Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().endsWith(".lock"))
                    .toList();
        }
    }

    VersionMetadata publish(String name, String promoteTo) throws IOException {
        return registry.publishFolder(
                adapterFolder(),
                new PublishRequest(
                        AdapterName.parse(name),
                        "test",
                        null,
                        Map.of("team", "qa"),
                        Map.of("eval_loss", 1.5),
                        promoteTo));
    }
}
