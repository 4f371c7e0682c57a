package io.swapgate.gateway.grpc;

import io.swapgate.gateway.messages.AdapterMessages;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.UploadRequest;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.PublishRequest;
import io.swapgate.registry.UploadSession;
import io.swapgate.registry.VersionMetadata;
import io.swapgate.retraining.PublishGuard;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One Upload call's state: the manifest, then chunks written through an {@link UploadSession}. One stream, in order. */
final class UploadStream {

    /**
     * Decides whether the caller may upload this many bytes to the adapter, before any byte is written; what it
     * admits is held until the upload ends.
     */
    @FunctionalInterface
    interface ManifestCheck {
        PublishGuard.Admission check(AdapterName name, long bytes) throws IOException;
    }

    private final FileSystemAdapterRegistry registry;
    private final long maxFileBytes;
    private final ManifestCheck admission;
    private UploadManifest manifest;
    private UploadSession session;
    private PublishGuard.Admission admitted;

    UploadStream(FileSystemAdapterRegistry registry, long maxFileBytes, ManifestCheck admission) {
        this.registry = registry;
        this.maxFileBytes = maxFileBytes;
        this.admission = admission;
    }

    void accept(UploadRequest request) {
        try {
            if (request.hasManifest()) {
                if (manifest != null) {
                    throw new IllegalArgumentException("an upload carries one manifest");
                }
                manifest = request.getManifest();
                admitted = admission.check(
                        AdapterName.parse(manifest.getName()),
                        manifest.getFilesList().stream()
                                .mapToLong(f -> Math.max(0, f.getSize()))
                                .sum());
                session = new UploadSession(
                        registry,
                        manifest.getFilesList().stream()
                                .map(f -> new UploadSession.ExpectedFile(f.getName(), f.getSize(), f.getSha256()))
                                .toList(),
                        maxFileBytes);
            } else if (request.hasChunk()) {
                if (session == null) {
                    throw new IllegalArgumentException("the manifest must come before any chunk");
                }
                session.write(
                        request.getChunk().getFile(),
                        request.getChunk().getData().toByteArray());
            } else {
                throw new IllegalArgumentException("an upload message needs a manifest or a chunk");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    VersionMetadata finish() {
        if (session == null) {
            throw new IllegalArgumentException("the upload carried no manifest");
        }
        try {
            return session.finish(new PublishRequest(
                    AdapterName.parse(manifest.getName()),
                    AdapterMessages.emptyToNull(manifest.getCreator()),
                    AdapterMessages.emptyToNull(manifest.getParentVersion()),
                    manifest.getLabelsMap(),
                    manifest.getMetricsMap(),
                    AdapterMessages.emptyToNull(manifest.getPromote())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean warm() {
        return manifest.getWarm();
    }

    void close() {
        if (admitted != null) {
            admitted.close();
        }
        if (session != null) {
            try {
                session.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
