package io.swapgate.core.adapter;

import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Adapters in a local folder, one sub-folder per adapter ({@code name} or {@code tenant/name}), loaded on first
 * use and kept in memory. A folder whose files change is read again on its next use, so a rewritten adapter is
 * served under the same name with its new version. Thread-safe.
 */
public final class AdapterDirectory {

    /** Lower-case letters, digits, '.', '_' and '-', not starting with a dot: no traversal, no hidden folders. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(/[a-z0-9][a-z0-9._-]{0,63})?");

    private final Path root;
    private final PeftAdapterReader reader;
    private final Map<String, Loaded> cache = new ConcurrentHashMap<>();

    private record Loaded(String stamp, Adapter adapter) {}

    public AdapterDirectory(Path root, PeftAdapterReader reader) {
        this.root = root.toAbsolutePath().normalize();
        this.reader = reader;
    }

    /**
     * The adapter under {@code reference}.
     *
     * @throws IllegalArgumentException when the reference is not a valid adapter name
     * @throws AdapterNotFoundException when no such adapter exists
     * @throws UnservableAdapterException when it exists but cannot be served (the message names no server path)
     */
    public Adapter resolve(String reference) {
        if (reference.contains("@")) {
            throw new IllegalArgumentException("adapter reference '" + reference
                    + "': versions and aliases need the adapter registry; name the adapter alone");
        }
        if (!NAME.matcher(reference).matches()) {
            throw new IllegalArgumentException("invalid adapter name '" + reference
                    + "': use lower-case letters, digits, '.', '_' and '-' (at most 64), optionally as tenant/name");
        }
        Path folder = root.resolve(reference);
        String stamp = stamp(reference, folder);
        Loaded loaded = cache.get(reference);
        if (loaded == null || !loaded.stamp.equals(stamp)) {
            try {
                loaded = new Loaded(stamp, reader.read(folder, reference));
            } catch (ModelFormatException e) {
                throw new UnservableAdapterException(reference, e.problem(), e);
            }
            cache.put(reference, loaded);
        }
        return loaded.adapter;
    }

    /** Size and modification time of the adapter's files: changes whenever the adapter is rewritten. */
    private String stamp(String reference, Path folder) {
        StringBuilder stamp = new StringBuilder();
        for (String file : new String[] {PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE}) {
            Path path = folder.resolve(file);
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                stamp.append(attributes.size()).append("@").append(attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)).append(';');
            } catch (IOException e) {
                if (!Files.isDirectory(folder)) {
                    throw new AdapterNotFoundException(reference, "");
                }
                stamp.append("missing;"); // the reader reports what is wrong with the folder
            }
        }
        return stamp.toString();
    }
}
