package io.swapgate.e2e;

import io.grpc.ManagedChannel;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.gateway.cli.AdapterUploader;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.UploadManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/** Random LoRAs for stories260K written in the PEFT layout and uploaded to a running gateway. */
final class TestAdapters {

    private static final LoadedModel MODEL = ModelLoader.load(E2e.stories260K());
    private static final BaseModelIdentity BASE = BaseModelIdentity.of(MODEL.name(), MODEL.config(), MODEL.weights());

    private final Path dir;

    TestAdapters(Path dir) {
        this.dir = dir;
    }

    /** A distinct LoRA for each seed, written under the work folder. */
    Path lora(long seed, int rank) throws IOException {
        return write(
                "lora-" + seed + "-r" + rank,
                new RandomAdapters(MODEL.config(), seed)
                        .lora("lora-" + seed, rank, 2f * rank, false, 0, EnumSet.allOf(LoraModule.class)));
    }

    /** A DyLoRA servable at ranks {@code minRank} to {@code rank}. */
    Path dyLora(long seed, int rank, int minRank) throws IOException {
        return write(
                "dylora-" + seed,
                new RandomAdapters(MODEL.config(), seed)
                        .lora("dylora-" + seed, rank, 2f * rank, false, minRank, EnumSet.allOf(LoraModule.class)));
    }

    /** A TempNet on the last hidden state, random but servable. */
    Path tempNet(long seed) throws IOException {
        return write(
                "tempnet-" + seed,
                new RandomAdapters(MODEL.config(), seed)
                        .tempNet("tempnet-" + seed, io.swapgate.core.adapter.TempNetAdapter.Input.HIDDEN, 16));
    }

    private Path write(String name, Adapter adapter) throws IOException {
        Path folder = dir.resolve(name);
        PeftAdapterWriter.write(folder, adapter, BASE);
        return folder;
    }

    /** The bytes of an adapter folder's files: what the registry's storage quota counts for a version of it. */
    static long bytesOf(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            long total = 0;
            for (Path file : files.toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    /** Uploads a folder as a new version of {@code name}; returns the version. */
    static String upload(ManagedChannel channel, Path folder, String name, String promote) throws Exception {
        return upload(channel, folder, UploadManifest.newBuilder().setName(name).setPromote(promote));
    }

    static String upload(ManagedChannel channel, Path folder, UploadManifest.Builder manifest) throws Exception {
        return AdapterUploader.upload(
                        AdaptersGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS),
                        folder,
                        manifest,
                        sent -> {})
                .getVersion();
    }
}
