package io.swapgate.gateway.tenancy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The accepted API keys, read from the key file and read again whenever the file changes (checked on each call, one
 * {@code stat}), so keys rotate without a restart. Revocation fails closed: a key file that is deleted, or changed into
 * one that cannot be read, accepts no key at all until it is readable again (a rotation that replaces the file by
 * renaming is atomic, so it is never seen missing).
 */
public final class ApiKeys {

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);

    private record Loaded(List<KeyFile.Entry> entries, Object stamp) {}

    /** The stamp of a key file that does not exist (or cannot be looked at). */
    private static final Object MISSING = new Object();

    private final Path file;
    private final Set<String> refused;
    private volatile Loaded loaded;

    /** Reads the key file; fails when it is missing or invalid, so a gateway never starts open by mistake. */
    public ApiKeys(Path file) throws IOException {
        this(file, Set.of());
    }

    /**
     * @param refused keys that never authenticate, whatever the file says (the well-known local keys on a gateway
     *     that others can reach)
     */
    public ApiKeys(Path file, Set<String> refused) throws IOException {
        this.file = file;
        this.refused = Set.copyOf(refused);
        Object stamp = stamp();
        this.loaded = new Loaded(KeyFile.read(file), stamp);
    }

    public Path file() {
        return file;
    }

    /** The caller a presented key belongs to, or null when no accepted key matches it. */
    public Caller authenticate(String key) {
        return refused.contains(key) ? null : holder(key);
    }

    /** Whether the key file lists {@code key}, even when it is refused. */
    public boolean lists(String key) {
        return holder(key) != null;
    }

    private Caller holder(String key) {
        Caller match = null;
        for (KeyFile.Entry entry : current().entries()) {
            // No early exit: the time taken does not tell how many hashes were tried.
            if (entry.hash().matches(key) && match == null) {
                match = entry.caller();
            }
        }
        return match;
    }

    /** The tenants that hold keys. */
    public Set<String> tenants() {
        return current().entries().stream().map(KeyFile.Entry::tenant).collect(Collectors.toUnmodifiableSet());
    }

    private Loaded current() {
        Loaded now = loaded;
        Object stamp;
        try {
            stamp = stamp();
        } catch (IOException e) {
            stamp = MISSING;
        }
        if (Objects.equals(stamp, now.stamp())) {
            return now;
        }
        synchronized (this) {
            if (!Objects.equals(stamp, loaded.stamp())) {
                try {
                    loaded = new Loaded(KeyFile.read(file), stamp);
                    LOG.infof(
                            "API keys reloaded from %s: %d keys",
                            file, loaded.entries().size());
                } catch (IOException | IllegalArgumentException e) {
                    LOG.errorf(
                            "API key file %s is gone or cannot be read: no key is accepted until it is fixed (%s)",
                            file, e.getMessage());
                    loaded = new Loaded(List.of(), stamp);
                }
            }
            return loaded;
        }
    }

    /** What changes when the file is rewritten or replaced: its identity, size and modification time. */
    private Object stamp() throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(String.valueOf(attributes.fileKey()), attributes.size(), attributes.lastModifiedTime());
    }
}
