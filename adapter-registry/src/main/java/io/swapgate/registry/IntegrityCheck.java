package io.swapgate.registry;

import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/** The registry's startup check: quarantines what a crash left half-written and repairs dangling aliases. */
final class IntegrityCheck {

    private final Path root;
    private final FileSystemAdapterRegistry registry;
    private final List<String> problems = new ArrayList<>();
    private int quarantined;
    private int versions;
    private int aliases;

    private final StagingArea staging;

    IntegrityCheck(Path root, FileSystemAdapterRegistry registry, StagingArea staging) {
        this.root = root;
        this.registry = registry;
        this.staging = staging;
    }

    /** Safe while other processes use the registry: it takes only what dead ones left, and each adapter's lock. */
    IntegrityReport run() throws IOException {
        for (Path leftover : staging.abandoned()) {
            quarantine(leftover, "an upload or delete interrupted before it completed");
            staging.forget(leftover);
        }
        for (AdapterName name : registry.names(null)) {
            registry.holding(name, () -> {
                for (String version : registry.versionIds(name)) {
                    checkVersion(name, version);
                }
                checkAliases(name);
                return null;
            });
        }
        return new IntegrityReport(versions, aliases, List.copyOf(problems));
    }

    private void checkVersion(AdapterName name, String version) throws IOException {
        Path folder = registry.versionsDir(name).resolve(version);
        String problem = null;
        if (!Files.isRegularFile(folder.resolve(FileSystemAdapterRegistry.METADATA_FILE))) {
            problem = "no metadata";
        } else {
            try {
                String actual = PeftAdapterReader.contentVersion(folder);
                if (!actual.equals(version)) {
                    problem = "its files hash to " + actual;
                }
                registry.metadata(name, version);
            } catch (ModelFormatException | IOException e) {
                problem = "unreadable: " + e.getMessage();
            }
        }
        if (problem == null) {
            versions++;
        } else {
            quarantine(folder, "version " + version + " of " + name + ": " + problem);
        }
    }

    private void checkAliases(AdapterName name) throws IOException {
        for (Path file :
                FileSystemAdapterRegistry.children(registry.nameDir(name).resolve("aliases"))) {
            String fileName = file.getFileName().toString();
            if (fileName.startsWith(".")) {
                Files.deleteIfExists(file); // a temp file of an alias move that never completed
                continue;
            }
            String alias = fileName.replaceFirst("\\.json$", "");
            AliasFile state;
            try {
                state = AliasFile.read(file);
            } catch (IOException e) {
                quarantine(file, "alias '" + alias + "' of " + name + " is unreadable");
                continue;
            }
            Path versionsDir = registry.versionsDir(name);
            if (Files.isDirectory(versionsDir.resolve(state.version()))) {
                aliases++;
                continue;
            }
            AliasFile repaired = state;
            while (repaired != null && !Files.isDirectory(versionsDir.resolve(repaired.version()))) {
                repaired = repaired.rolledBack();
            }
            if (repaired == null) {
                quarantine(
                        file,
                        "alias '" + alias + "' of " + name + " pointed at missing version " + state.version()
                                + " and has no earlier target");
            } else {
                repaired.write(file);
                aliases++;
                problems.add("alias '" + alias + "' of " + name + " pointed at missing version " + state.version()
                        + "; moved back to " + repaired.version());
            }
        }
    }

    private void quarantine(Path path, String why) throws IOException {
        // The check's own sequence number keeps two same-named items moved in one millisecond apart.
        quarantined++;
        Path target = root.resolve("quarantine")
                .resolve(System.currentTimeMillis() + "-" + quarantined + "-" + path.getFileName());
        Files.createDirectories(target.getParent());
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        problems.add(why + " (moved to " + root.relativize(target) + ")");
    }
}
