package io.swapgate.gateway.cli;

import com.google.protobuf.ByteString;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.UploadChunk;
import io.swapgate.proto.v1.UploadFile;
import io.swapgate.proto.v1.UploadManifest;
import io.swapgate.proto.v1.UploadRequest;
import io.swapgate.proto.v1.VersionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/** Streams a PEFT adapter folder to a gateway's {@code Adapters.Upload}: the manifest with sizes and sha256, then chunks. */
public final class AdapterUploader {

    /** Well under the gateway's 256 KiB gRPC message limit. */
    private static final int CHUNK_BYTES = 64 * 1024;

    private static final List<String> FILES = List.of(PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE);

    private AdapterUploader() {}

    /**
     * Uploads {@code folder}; {@code manifest} carries name, promotion and labels (its file list is filled in here).
     *
     * @param progress called with the bytes sent so far
     * @return the new version, or the call's failure (a {@link io.grpc.StatusRuntimeException})
     */
    public static VersionInfo upload(
            AdaptersGrpc.AdaptersStub stub, Path folder, UploadManifest.Builder manifest, LongConsumer progress)
            throws IOException, InterruptedException {
        for (String file : FILES) {
            Path path = folder.resolve(file);
            manifest.addFiles(UploadFile.newBuilder()
                    .setName(file)
                    .setSize(Files.size(path))
                    .setSha256(PeftAdapterReader.sha256(path)));
        }
        UploadCall call = new UploadCall(stub);
        call.send(UploadRequest.newBuilder().setManifest(manifest).build());
        long sent = 0;
        byte[] buffer = new byte[CHUNK_BYTES];
        for (String file : FILES) {
            try (InputStream in = Files.newInputStream(folder.resolve(file))) {
                for (int n; (n = in.read(buffer)) > 0 && !call.answered(); ) {
                    call.send(UploadRequest.newBuilder()
                            .setChunk(UploadChunk.newBuilder().setFile(file).setData(ByteString.copyFrom(buffer, 0, n)))
                            .build());
                    sent += n;
                    progress.accept(sent);
                }
            }
        }
        return call.finish();
    }

    /** Bytes the upload of {@code folder} sends. */
    public static long size(Path folder) throws IOException {
        long total = 0;
        for (String file : FILES) {
            total += Files.size(folder.resolve(file));
        }
        return total;
    }
}
