package io.swapgate.registry;

import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.PeftAdapterReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One streamed upload: the manifest says which files come, how big and with which sha256; chunks are written into a
 * staging folder as they arrive and checked against it; {@link #finish} publishes. Closing an unfinished session
 * removes what was written. Not thread-safe: one upload stream feeds it in order.
 */
public final class UploadSession implements AutoCloseable {

    /** A file the manifest announces. */
    public record ExpectedFile(String name, long size, String sha256) {}

    private static final Set<String> FILES = Set.of(PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE);
    private static final long MAX_CONFIG_BYTES = 64 * 1024;

    private final FileSystemAdapterRegistry registry;
    private final Path staging;
    private final Map<String, ExpectedFile> expected = new HashMap<>();
    private final Map<String, Received> received = new HashMap<>();
    private boolean finished;

    private static final class Received {
        final OutputStream out;
        final MessageDigest sha = BaseModelIdentity.sha256();
        long bytes;

        Received(OutputStream out) {
            this.out = out;
        }
    }

    /**
     * @throws IllegalArgumentException when the manifest is not exactly the two adapter files within the size limits
     */
    public UploadSession(FileSystemAdapterRegistry registry, List<ExpectedFile> files, long maxWeightsBytes)
            throws IOException {
        Set<String> names = files.stream().map(ExpectedFile::name).collect(Collectors.toSet());
        if (files.size() != FILES.size() || !names.equals(FILES)) {
            throw new IllegalArgumentException("the manifest must list exactly " + PeftAdapterReader.CONFIG_FILE
                    + " and " + PeftAdapterReader.WEIGHTS_FILE + ", got "
                    + files.stream().map(ExpectedFile::name).toList());
        }
        for (ExpectedFile file : files) {
            long limit = file.name().equals(PeftAdapterReader.CONFIG_FILE) ? MAX_CONFIG_BYTES : maxWeightsBytes;
            if (file.size() < 0 || file.size() > limit) {
                throw new IllegalArgumentException(
                        file.name() + " of " + file.size() + " bytes is outside the limit of " + limit);
            }
            if (file.sha256() == null || !file.sha256().matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException(file.name() + " needs its sha256 as 64 lower-case hex digits");
            }
            expected.put(file.name(), file);
        }
        this.registry = registry;
        this.staging = registry.newStaging();
    }

    /** Appends bytes to one of the manifest's files. */
    public void write(String file, byte[] data) throws IOException {
        ExpectedFile announced = expected.get(file);
        if (announced == null) {
            throw new IllegalArgumentException("chunk for '" + file + "', which the manifest does not list");
        }
        Received r = received.get(file);
        if (r == null) {
            r = new Received(Files.newOutputStream(staging.resolve(file)));
            received.put(file, r);
        }
        if (r.bytes + data.length > announced.size()) {
            throw new IllegalArgumentException(
                    file + " received more than the " + announced.size() + " bytes the manifest declares");
        }
        r.out.write(data);
        r.sha.update(data);
        r.bytes += data.length;
    }

    /** Checks every file arrived whole and intact, then publishes it as a new version. */
    public VersionMetadata finish(PublishRequest request) throws IOException {
        for (ExpectedFile file : expected.values()) {
            Received r = received.get(file.name());
            long got = r == null ? 0 : r.bytes;
            if (got != file.size()) {
                throw new IllegalArgumentException(
                        file.name() + " is truncated: " + got + " of " + file.size() + " bytes arrived");
            }
        }
        for (ExpectedFile file : expected.values()) {
            Received r = received.get(file.name());
            if (r == null) {
                Files.write(staging.resolve(file.name()), new byte[0]);
                continue;
            }
            r.out.close();
            String actual = HexFormat.of().formatHex(r.sha.digest());
            if (!actual.equals(file.sha256())) {
                throw new IllegalArgumentException(file.name() + " checksum mismatch: the manifest says "
                        + file.sha256() + ", the bytes hash to " + actual);
            }
        }
        finished = true;
        return registry.publish(staging, request);
    }

    @Override
    public void close() throws IOException {
        for (Received r : received.values()) {
            r.out.close();
        }
        if (!finished) {
            AtomicFiles.deleteTree(staging);
        }
    }
}
