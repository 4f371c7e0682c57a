package io.swapgate.registry;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Durable buffers of training examples per adapter, beside the registry: {@code examples/TENANT/NAME/SOURCE.log},
 * one append-only file per writer (a Kafka partition), so writers never share a file. A record is its id and its
 * bytes (opaque here); {@link #append} returns only once they are on disk. The same example written twice (a
 * redelivery) is read once. A record cut short by a crash was never acknowledged: it is cut off the file before the
 * next append to it (in this process, the first), and a reader stops at it.
 */
public final class ExampleStore {

    /** Default bound of one source's file before it is rotated: its examples and one rotated file's are kept. */
    public static final long DEFAULT_MAX_FILE_BYTES = 32L << 20;

    private final Path root;
    private final long maxFileBytes;
    /** Files whose tail this process has checked (or written whole) since it started. */
    private final Set<Path> checked = ConcurrentHashMap.newKeySet();

    /** @param registryRoot the registry's root folder; examples go under {@code examples/} there */
    public ExampleStore(Path registryRoot) {
        this(registryRoot, DEFAULT_MAX_FILE_BYTES);
    }

    /**
     * @param maxFileBytes once a source's file holds more, it becomes that source's older file (replacing the one
     *     before): an adapter keeps the newest examples, at most about twice this per source, on disk and in a job
     */
    public ExampleStore(Path registryRoot, long maxFileBytes) {
        this.root = registryRoot.resolve("examples");
        this.maxFileBytes = maxFileBytes;
    }

    /** One example: an id unique per adapter, and its encoded content. */
    public record Example(String id, byte[] content) {}

    /** Appends examples to the adapter's file for {@code source} and forces them to disk. */
    public void append(AdapterName adapter, String source, List<Example> examples) throws IOException {
        Path file = folder(adapter).resolve(source + ".log");
        Files.createDirectories(file.getParent());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (checked.add(file)) {
                channel.truncate(wholeRecordsLength(file));
            }
            channel.position(channel.size());
            for (Example example : examples) {
                byte[] id = example.id().getBytes(StandardCharsets.UTF_8);
                ByteBuffer record = ByteBuffer.allocate(8 + id.length + example.content().length);
                record.putInt(id.length)
                        .put(id)
                        .putInt(example.content().length)
                        .put(example.content())
                        .flip();
                while (record.hasRemaining()) {
                    channel.write(record);
                }
            }
            channel.force(true);
        } catch (IOException e) {
            checked.remove(file); // a write may have stopped midway: check the tail again next time
            throw e;
        }
        if (Files.size(file) > maxFileBytes) {
            // Sorted before the current file by name, so it is read first and the first copy of an id stays the one
            // kept.
            Files.move(
                    file,
                    file.resolveSibling(source + ".0.log"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The length of the file's whole records: where a torn last record, if any, begins. */
    private static long wholeRecordsLength(Path file) throws IOException {
        long whole = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            while (true) {
                try {
                    int idLength = readBlock(in).length;
                    int contentLength = readBlock(in).length;
                    whole += 8L + idLength + contentLength;
                } catch (EOFException end) {
                    return whole;
                }
            }
        }
    }

    /** The adapter's examples, each id once (its first copy), in the order written per file. */
    public List<Example> read(AdapterName adapter) throws IOException {
        Map<String, Example> byId = new LinkedHashMap<>();
        Path folder = folder(adapter);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .toList();
        }
        for (Path file : files) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                readRecords(in, byId);
            }
        }
        return new ArrayList<>(byId.values());
    }

    private static void readRecords(DataInputStream in, Map<String, Example> byId) throws IOException {
        while (true) {
            try {
                String id = new String(readBlock(in), StandardCharsets.UTF_8);
                byte[] content = readBlock(in);
                byId.putIfAbsent(id, new Example(id, content));
            } catch (EOFException endOrTornTail) {
                return; // the end, or a record a crash cut short: it was never acknowledged
            }
        }
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 64 << 20) {
            throw new EOFException("a corrupt record length " + length);
        }
        byte[] block = new byte[length];
        in.readFully(block);
        return block;
    }

    private Path folder(AdapterName adapter) {
        return root.resolve(adapter.tenant()).resolve(adapter.name());
    }
}
