package io.swapgate.gateway;

import io.grpc.ManagedChannel;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.gateway.cli.AdapterUploader;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.VersionInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Random adapters for the test gateway's model (stories260K), written in the PEFT layout and uploaded over gRPC. Each
 * test run uses its own tenant, so the registry under target/ may outlive runs.
 */
final class TestAdapterFiles {

    static final LoadedModel MODEL = ModelLoader.load(Path.of(System.getProperty("shared.models.dir"), "stories260K"));
    static final BaseModelIdentity BASE = BaseModelIdentity.of(MODEL.name(), MODEL.config(), MODEL.weights());
    static final String TENANT = "t" + Long.toString(System.nanoTime(), 36);

    final RandomAdapters random;
    private final Path dir;
    private int written;

    TestAdapterFiles(long seed) {
        this.random = new RandomAdapters(MODEL.config(), seed);
        try {
            this.dir = Files.createTempDirectory("swapgate-test-adapters");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code name} under this run's tenant. */
    static String named(String name) {
        return TENANT + "/" + name;
    }

    Path write(Adapter adapter) throws IOException {
        Path folder = dir.resolve("a" + written++);
        PeftAdapterWriter.write(folder, adapter, BASE);
        return folder;
    }

    static VersionInfo upload(ManagedChannel channel, Path folder, UploadManifest.Builder manifest) throws Exception {
        return AdapterUploader.upload(
                AdaptersGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS), folder, manifest, sent -> {});
    }

    VersionInfo upload(ManagedChannel channel, String name, Adapter adapter, String promote) throws Exception {
        return upload(
                channel,
                write(adapter),
                UploadManifest.newBuilder()
                        .setName(named(name))
                        .setPromote(promote)
                        .setCreator("test"));
    }
}
