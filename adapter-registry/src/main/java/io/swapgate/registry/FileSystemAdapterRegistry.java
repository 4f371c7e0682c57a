package io.swapgate.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.LoraAdapter;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The adapter registry on a local file system. Versions are immutable folders named by their sha256; aliases are
 * small JSON files. Every change is one atomic rename of a fully written and fsynced file or folder, so a crash at any
 * point leaves the previous state readable. Layout under the root:
 *
 * <pre>
 * adapters/TENANT/NAME/versions/SHA256/{adapter_config.json, adapter_model.safetensors, metadata.json}
 * adapters/TENANT/NAME/aliases/ALIAS.json
 * staging/OWNER/...      uploads being written by one process ({@link StagingArea})
 * quarantine/...         what the startup check set aside
 * locks/TENANT/NAME.lock one lock per adapter, held by every change to it
 * reservations/TENANT/   quota held by uploads and publishes under way, in every process ({@link Reservations})
 * </pre>
 *
 * Changes from this process are serialised, and each holds its adapter's lock ({@link AdapterLocks}), so processes
 * sharing the registry (replicas on one volume) never lose each other's changes; reads take no lock and always see
 * complete files.
 */
public final class FileSystemAdapterRegistry {

    public static final String LATEST = "latest";
    public static final String STABLE = "stable";
    static final String METADATA_FILE = "metadata.json";
    private static final Set<String> ADAPTER_FILES =
            Set.of(PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final PeftAdapterReader reader;
    private final Clock clock;
    private final List<Consumer<RegistryEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AdapterLocks locks;
    private final StagingArea staging;
    private final Reservations reservations;

    public FileSystemAdapterRegistry(Path root, PeftAdapterReader reader, Clock clock) {
        this.root = root.toAbsolutePath().normalize();
        this.reader = reader;
        this.clock = clock;
        this.locks = new AdapterLocks(this.root.resolve("locks"));
        try {
            Files.createDirectories(this.root.resolve("adapters"));
            this.staging = new StagingArea(Files.createDirectories(this.root.resolve("staging")));
            this.reservations = new Reservations(this.root.resolve("reservations"), staging, this::stored);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the registry at " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Calls {@code listener} with every change made through this instance, after it is durable. */
    public AutoCloseable subscribe(Consumer<RegistryEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A fresh folder to write an upload's files into, then {@link #publish}. */
    public Path newStaging() throws IOException {
        return staging.newFolder("upload-");
    }

    /** Copies an adapter folder into staging and publishes it. */
    public VersionMetadata publishFolder(Path source, PublishRequest request) throws IOException {
        Path staging = newStaging();
        for (String file : ADAPTER_FILES) {
            Files.copy(source.resolve(file), staging.resolve(file));
        }
        return publish(staging, request);
    }

    /**
     * Validates a staged adapter against the base model and makes it a new version of {@code request.name()}: it
     * becomes {@code latest} (and {@code request.promoteTo()}, when given). The staging folder is consumed either way.
     *
     * @throws IllegalArgumentException when the files are not a servable adapter (the message says why)
     * @throws RegistryException ALREADY_EXISTS when this exact version is already published under the name
     */
    public VersionMetadata publish(Path staging, PublishRequest request) throws IOException {
        try {
            Adapter adapter = validate(staging, request.name());
            String version = adapter.identity().version();
            LoraAdapter lora = adapter instanceof LoraAdapter l ? l : null;
            VersionMetadata metadata = new VersionMetadata(
                    request.name().toString(),
                    version,
                    adapter.kind().wireName(),
                    reader.base().name(),
                    reader.base().digest(),
                    lora == null ? 0 : lora.rank(),
                    lora == null ? 0 : lora.minRank(),
                    size(staging),
                    clock.instant().toString(),
                    request.creator(),
                    request.parentVersion(),
                    request.labels(),
                    request.metrics());
            Files.write(
                    staging.resolve(METADATA_FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(metadata));
            for (String file : Set.of(PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE, METADATA_FILE)) {
                AtomicFiles.sync(staging.resolve(file));
            }
            AtomicFiles.syncDirectory(staging);
            synchronized (this) {
                List<RegistryEvent> events = locks.holding(request.name(), () -> {
                    Path target = versionsDir(request.name()).resolve(version);
                    if (Files.exists(target)) {
                        throw new RegistryException(
                                RegistryException.Reason.ALREADY_EXISTS,
                                "version " + version + " of " + request.name() + " already exists");
                    }
                    Files.createDirectories(target.getParent());
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                    AtomicFiles.syncDirectory(target.getParent());
                    RegistryEvent published = moveAlias(request.name(), LATEST, version, RegistryEvent.Type.PUBLISHED);
                    return request.promoteTo() == null
                            ? List.of(published)
                            : List.of(
                                    published,
                                    moveAlias(
                                            request.name(), request.promoteTo(), version, RegistryEvent.Type.PROMOTED));
                });
                events.forEach(this::emit);
            }
            return metadata;
        } finally {
            AtomicFiles.deleteTree(staging);
        }
    }

    private Adapter validate(Path staging, AdapterName name) throws IOException {
        try (Stream<Path> files = Files.list(staging)) {
            for (Path file : files.toList()) {
                if (!ADAPTER_FILES.contains(file.getFileName().toString())) {
                    throw new IllegalArgumentException(
                            "unexpected file '" + file.getFileName() + "' in the upload (only "
                                    + PeftAdapterReader.CONFIG_FILE + " and " + PeftAdapterReader.WEIGHTS_FILE + ")");
                }
            }
        }
        try {
            return reader.read(staging, name.toString());
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException("adapter rejected: " + e.problem(), e);
        }
    }

    /** Points {@code alias} at a version ({@code selector}: an alias, a version or a unique version prefix). */
    public synchronized RegistryEvent promote(AdapterName name, String alias, String selector) throws IOException {
        AdapterReference.requireAlias(alias);
        AdapterReference reference = new AdapterReference(name, selector);
        RegistryEvent event = locks.holding(
                name, () -> moveAlias(name, alias, resolve(reference).version(), RegistryEvent.Type.PROMOTED));
        emit(event);
        return event;
    }

    /**
     * Points {@code alias} back at what it pointed at before its last move; a version deleted since is skipped, so
     * the alias goes to the newest earlier target that still exists.
     */
    public synchronized RegistryEvent rollback(AdapterName name, String alias) throws IOException {
        Path file = aliasFile(name, alias);
        RegistryEvent event = locks.holding(name, () -> {
            AliasFile current = readAlias(name, alias);
            AliasFile previous = current.rolledBack();
            while (previous != null && !Files.isDirectory(versionsDir(name).resolve(previous.version()))) {
                previous = previous.rolledBack();
            }
            if (previous == null) {
                throw new RegistryException(
                        RegistryException.Reason.FAILED_PRECONDITION,
                        "alias '" + alias + "' of " + name + " has no earlier version to roll back to");
            }
            previous.write(file);
            return event(RegistryEvent.Type.ROLLED_BACK, name, previous.version(), alias, current.version());
        });
        emit(event);
        return event;
    }

    /**
     * Deletes a version no alias points at and no request uses. "latest" does not hold a version: it moves to the
     * newest version left, and deleting the last version removes the adapter's name.
     *
     * @param inUse whether requests in flight still use a version
     */
    public synchronized RegistryEvent delete(AdapterName name, String selector, Predicate<String> inUse)
            throws IOException {
        AdapterReference reference = new AdapterReference(name, selector);
        RegistryEvent event = locks.holding(name, () -> {
            ResolvedVersion resolved = resolve(reference);
            for (Map.Entry<String, String> alias : aliases(name).entrySet()) {
                if (!alias.getKey().equals(LATEST) && alias.getValue().equals(resolved.version())) {
                    throw new RegistryException(
                            RegistryException.Reason.FAILED_PRECONDITION,
                            "version " + resolved.version() + " of " + name + " cannot be deleted: alias '"
                                    + alias.getKey() + "' points at it");
                }
            }
            if (inUse.test(resolved.version())) {
                throw new RegistryException(
                        RegistryException.Reason.FAILED_PRECONDITION,
                        "version " + resolved.version() + " of " + name
                                + " cannot be deleted: requests in flight use it");
            }
            // Move it out of the tree first, so a crash mid-delete never leaves a half version in place (a "latest"
            // left
            // pointing at it is repointed by the integrity check at startup).
            moveToTrash(resolved.folder());
            List<VersionMetadata> left = versions(name);
            if (left.isEmpty()) {
                moveToTrash(nameDir(name));
            } else if (resolved.version().equals(aliases(name).get(LATEST))) {
                moveAlias(name, LATEST, left.get(left.size() - 1).version(), RegistryEvent.Type.PROMOTED);
            }
            return event(RegistryEvent.Type.DELETED, name, resolved.version(), null, null);
        });
        emit(event);
        return event;
    }

    private void moveToTrash(Path folder) throws IOException {
        Path trash = staging.newPath("deleted-");
        Files.move(folder, trash, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.syncDirectory(folder.getParent());
        AtomicFiles.deleteTree(trash);
    }

    /**
     * Resolves a reference to one version.
     *
     * @throws RegistryException NOT_FOUND when the adapter, alias or version does not exist
     * @throws IllegalArgumentException when a version prefix is ambiguous
     */
    public ResolvedVersion resolve(AdapterReference reference) throws IOException {
        AdapterName name = reference.name();
        Path versions = versionsDir(name);
        if (!Files.isDirectory(versions)) {
            throw new RegistryException(RegistryException.Reason.NOT_FOUND, "adapter '" + name + "' not found");
        }
        String selector = reference.selector();
        if (selector == null) {
            selector = Files.exists(aliasFile(name, STABLE)) ? STABLE : LATEST;
        }
        String version;
        if (AdapterReference.isVersion(selector)) {
            version = matchVersion(name, selector);
        } else {
            version = readAlias(name, selector).version();
        }
        return new ResolvedVersion(name, version, versions.resolve(version));
    }

    private String matchVersion(AdapterName name, String prefix) throws IOException {
        List<String> matches =
                versionIds(name).stream().filter(v -> v.startsWith(prefix)).toList();
        if (matches.isEmpty()) {
            throw new RegistryException(
                    RegistryException.Reason.NOT_FOUND, "adapter '" + name + "' has no version " + prefix);
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("version prefix " + prefix + " of " + name + " is ambiguous");
        }
        return matches.get(0);
    }

    /**
     * Holds {@code bytes} under {@code name} against its tenant's quotas until the returned handle is closed, if
     * {@code check} admits them beside what the tenant has stored and what every process sharing this registry holds
     * for uploads and publishes under way. Checks and reservations of one tenant are serialised across processes.
     */
    public Reservations.Reservation reserve(AdapterName name, long bytes, Reservations.Check check) throws IOException {
        return reservations.reserve(name, bytes, check);
    }

    private Reservations.Holdings stored(String tenant) throws IOException {
        List<AdapterName> stored = names(tenant);
        long bytes = 0;
        for (AdapterName name : stored) {
            for (VersionMetadata version : versions(name)) {
                bytes += version.sizeBytes();
            }
        }
        return new Reservations.Holdings(Set.copyOf(stored), bytes);
    }

    /** Adapter names, of one tenant or (null) of all, sorted. */
    public List<AdapterName> names(String tenant) throws IOException {
        List<AdapterName> names = new ArrayList<>();
        Path adapters = root.resolve("adapters");
        for (Path tenantDir : children(adapters)) {
            if (tenant != null && !tenantDir.getFileName().toString().equals(tenant)) {
                continue;
            }
            for (Path nameDir : children(tenantDir)) {
                if (Files.isDirectory(nameDir.resolve("versions"))) {
                    names.add(new AdapterName(
                            tenantDir.getFileName().toString(),
                            nameDir.getFileName().toString()));
                }
            }
        }
        return names;
    }

    /**
     * Every version of an adapter, oldest first. Reads take no lock: a version another process deletes while this
     * lists them is left out, not reported missing.
     */
    public List<VersionMetadata> versions(AdapterName name) throws IOException {
        List<VersionMetadata> all = new ArrayList<>();
        for (String version : versionIds(name)) {
            readMetadata(name, version).ifPresent(all::add);
        }
        all.sort(java.util.Comparator.comparing(VersionMetadata::createdAt));
        return all;
    }

    public VersionMetadata metadata(AdapterName name, String version) throws IOException {
        return readMetadata(name, version)
                .orElseThrow(() -> new RegistryException(
                        RegistryException.Reason.NOT_FOUND, "adapter '" + name + "' has no version " + version));
    }

    /** A version's metadata, or empty when the version does not exist (or was just deleted). */
    private java.util.Optional<VersionMetadata> readMetadata(AdapterName name, String version) throws IOException {
        Path file = versionsDir(name).resolve(version).resolve(METADATA_FILE);
        try {
            return java.util.Optional.of(JSON.readValue(file.toFile(), VersionMetadata.class));
        } catch (java.io.FileNotFoundException gone) {
            return java.util.Optional.empty();
        }
    }

    /** Alias name to version, sorted by alias. */
    public Map<String, String> aliases(AdapterName name) throws IOException {
        Map<String, String> aliases = new TreeMap<>();
        for (Path file : children(nameDir(name).resolve("aliases"))) {
            String fileName = file.getFileName().toString();
            if (fileName.endsWith(".json") && !fileName.startsWith(".")) {
                aliases.put(
                        fileName.substring(0, fileName.length() - 5),
                        AliasFile.read(file).version());
            }
        }
        return aliases;
    }

    /**
     * Run at startup, before serving: sets aside uploads a crash left half-written and versions whose files do not
     * match their name, and repoints aliases whose target is gone to their newest earlier target that exists.
     */
    public synchronized IntegrityReport checkIntegrity() throws IOException {
        return new IntegrityCheck(root, this, staging).run();
    }

    Path versionsDir(AdapterName name) {
        return nameDir(name).resolve("versions");
    }

    Path nameDir(AdapterName name) {
        return root.resolve("adapters").resolve(name.tenant()).resolve(name.name());
    }

    /** Runs {@code work} holding {@code name}'s lock (see {@link AdapterLocks}). */
    <T> T holding(AdapterName name, AdapterLocks.Locked<T> work) throws IOException {
        return locks.holding(name, work);
    }

    Path aliasFile(AdapterName name, String alias) {
        return nameDir(name).resolve("aliases").resolve(AdapterReference.requireAlias(alias) + ".json");
    }

    /** The versions of an adapter (sha256 names), without reading their metadata. */
    public List<String> versionIds(AdapterName name) throws IOException {
        return children(versionsDir(name)).stream()
                .map(p -> p.getFileName().toString())
                .toList();
    }

    private AliasFile readAlias(AdapterName name, String alias) throws IOException {
        Path file = aliasFile(name, alias);
        if (!Files.exists(file)) {
            throw new RegistryException(
                    RegistryException.Reason.NOT_FOUND, "adapter '" + name + "' has no alias '" + alias + "'");
        }
        return AliasFile.read(file);
    }

    private RegistryEvent moveAlias(AdapterName name, String alias, String version, RegistryEvent.Type type)
            throws IOException {
        Path file = aliasFile(name, alias);
        AliasFile current = Files.exists(file) ? AliasFile.read(file) : null;
        AliasFile next = current == null
                ? new AliasFile(version, List.of())
                : current.version().equals(version) ? current : current.movedTo(version);
        next.write(file);
        return event(type, name, version, alias, current == null ? null : current.version());
    }

    private RegistryEvent event(
            RegistryEvent.Type type, AdapterName name, String version, String alias, String previous) {
        return new RegistryEvent(
                type, name.toString(), version, alias, previous, clock.instant().toString());
    }

    private void emit(RegistryEvent event) {
        for (Consumer<RegistryEvent> listener : listeners) {
            listener.accept(event);
        }
    }

    static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    private static long size(Path folder) throws IOException {
        long total = 0;
        for (Path file : children(folder)) {
            total += Files.size(file);
        }
        return total;
    }
}
