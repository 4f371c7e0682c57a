package io.swapgate.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.PeftAdapterReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's startup check ({@link FileSystemAdapterRegistry#checkIntegrity}), case by case. */
class IntegrityCheckTest {

    private static final AdapterName A = AdapterName.parse("acme/a");

    @TempDir
    Path dir;

    RegistryFixture fx;
    FileSystemAdapterRegistry registry;

    @BeforeEach
    void setUp() {
        fx = new RegistryFixture(dir, 21);
        registry = fx.registry;
    }

    private Path folder(AdapterName name, String version) throws Exception {
        return registry.resolve(new AdapterReference(name, version)).folder();
    }

    /** Names of what was set aside, without the time each name starts with. */
    private List<String> quarantined() throws Exception {
        Path quarantine = registry.root().resolve("quarantine");
        if (!Files.isDirectory(quarantine)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(quarantine)) {
            return entries.map(p -> p.getFileName().toString().replaceFirst("^\\d+-\\d+-", ""))
                    .sorted()
                    .toList();
        }
    }

    private static void assertProblem(IntegrityReport report, String text) {
        assertTrue(
                report.problems().stream().anyMatch(p -> p.contains(text)), "no problem '" + text + "' in " + report);
    }

    @Test
    void aSoundRegistryCountsItsVersionsAndAliasesAndChangesNothing() throws Exception {
        fx.publish("acme/a", "stable");
        fx.publish("acme/a", null);
        fx.publish("globex/b", "canary");
        assertEquals(
                new IntegrityReport(3, 4, List.of()),
                registry.checkIntegrity(),
                "latest and stable of a, latest and canary of b");
        assertEquals(List.of(), quarantined());
    }

    @Test
    void aVersionWithoutMetadataIsSetAsideAndTheAliasesOnItMoveBack() throws Exception {
        VersionMetadata v1 = fx.publish("acme/a", "stable");
        VersionMetadata v2 = fx.publish("acme/a", "stable");
        Files.delete(folder(A, v2.version()).resolve(FileSystemAdapterRegistry.METADATA_FILE)); // a crash mid-publish

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "version " + v2.version() + " of acme/a: no metadata (moved to quarantine");
        assertProblem(
                report,
                "alias 'stable' of acme/a pointed at missing version " + v2.version() + "; moved back to "
                        + v1.version());
        assertEquals(1, report.versions());
        assertEquals(Map.of("latest", v1.version(), "stable", v1.version()), registry.aliases(A));
        assertEquals(List.of(v2.version()), quarantined());
        Path setAside;
        try (Stream<Path> entries = Files.list(registry.root().resolve("quarantine"))) {
            setAside = entries.findFirst().orElseThrow();
        }
        assertTrue(
                Files.exists(setAside.resolve(PeftAdapterReader.WEIGHTS_FILE)),
                "set aside whole, for a person to look at");
    }

    @Test
    void aVersionWithUnreadableMetadataIsSetAside() throws Exception {
        VersionMetadata v1 = fx.publish("acme/a", null);
        VersionMetadata v2 = fx.publish("acme/a", null);
        Files.writeString(
                folder(A, v2.version()).resolve(FileSystemAdapterRegistry.METADATA_FILE),
                "{\"name\": \"acme/a\", \"vers");

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "version " + v2.version() + " of acme/a: unreadable: ");
        assertEquals(List.of(v1), registry.versions(A));
        assertEquals(v1.version(), registry.aliases(A).get("latest"));
    }

    @Test
    void anUnreadableAliasIsSetAsideAndNoLongerResolves() throws Exception {
        fx.publish("acme/a", "stable");
        Files.writeString(registry.aliasFile(A, "stable"), "not json at all");

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "alias 'stable' of acme/a is unreadable");
        assertEquals(new IntegrityReport(1, 1, report.problems()), report, "the version and latest are sound");
        assertEquals(List.of("latest"), List.copyOf(registry.aliases(A).keySet()));
        assertEquals(List.of("stable.json"), quarantined());
    }

    @Test
    void sameNamedItemsSetAsideInOneCheckAreAllKept() throws Exception {
        AdapterName b = AdapterName.parse("acme/b");
        fx.publish("acme/a", "stable");
        fx.publish("acme/b", "stable");
        Files.writeString(registry.aliasFile(A, "stable"), "not json at all");
        Files.writeString(registry.aliasFile(b, "stable"), "nor this");

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "alias 'stable' of acme/a is unreadable");
        assertProblem(report, "alias 'stable' of acme/b is unreadable");
        // Both in the same millisecond, most likely: the name alone would have let the second replace the first.
        assertEquals(List.of("stable.json", "stable.json"), quarantined());
    }

    @Test
    void anAliasWhoseEveryTargetIsGoneIsSetAside() throws Exception {
        VersionMetadata v1 = fx.publish("acme/a", null);
        VersionMetadata v2 =
                fx.publish("acme/a", "canary"); // canary's first target: it has no history; latest's is [v1]
        AtomicFiles.deleteTree(folder(A, v2.version()));

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(
                report,
                "alias 'canary' of acme/a pointed at missing version " + v2.version() + " and has no earlier target");
        assertEquals(Map.of("latest", v1.version()), registry.aliases(A));
        RegistryException gone =
                assertThrows(RegistryException.class, () -> registry.resolve(AdapterReference.parse("acme/a@canary")));
        assertEquals(RegistryException.Reason.NOT_FOUND, gone.reason());
    }

    @Test
    void anUploadOfAnotherLiveRegistryOnTheSameVolumeIsLeftAlone() throws Exception {
        // A second replica on the same registry folder (here, in this very process) is uploading.
        FileSystemAdapterRegistry replica =
                new FileSystemAdapterRegistry(registry.root(), fx.reader, Clock.systemUTC());
        Path upload = replica.newStaging();
        Files.writeString(upload.resolve(PeftAdapterReader.CONFIG_FILE), "{\"peft_type\": ");

        assertEquals(new IntegrityReport(0, 0, List.of()), registry.checkIntegrity());
        assertTrue(Files.exists(upload.resolve(PeftAdapterReader.CONFIG_FILE)));
        assertEquals(List.of(), quarantined());
    }

    @Test
    void whatTheOldFlatStagingLayoutLeftIsSetAside() throws Exception {
        Path left = registry.root().resolve("staging").resolve("upload-123.tmp"); // a file, not an owner's folder
        Files.writeString(left, "half an adapter");

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "an upload or delete interrupted before it completed");
        assertFalse(Files.exists(left));
        assertEquals(List.of("upload-123.tmp"), quarantined());
    }

    @Test
    void aDeadOwnersLockIsDroppedWithItsLeftovers() throws Exception {
        Path staging = registry.root().resolve("staging");
        Files.createDirectories(staging.resolve("dead-owner").resolve("upload-1"));
        Files.writeString(staging.resolve("dead-owner.lock"), ""); // nobody holds it: its process died

        registry.checkIntegrity();
        assertFalse(Files.exists(staging.resolve("dead-owner")));
        assertFalse(Files.exists(staging.resolve("dead-owner.lock")), "the lock of an owner that is gone goes too");
        assertEquals(List.of("dead-owner"), quarantined());
    }

    @Test
    void aVersionFolderRenamedToAnotherHashIsSetAside() throws Exception {
        VersionMetadata v1 = fx.publish("acme/a", null);
        VersionMetadata v2 = fx.publish("acme/a", null);
        // v2's files under v1's name: what a bad restore from backup does.
        AtomicFiles.deleteTree(folder(A, v1.version()));
        Files.move(folder(A, v2.version()), registry.versionsDir(A).resolve(v1.version()));

        IntegrityReport report = registry.checkIntegrity();
        assertProblem(report, "version " + v1.version() + " of acme/a: its files hash to " + v2.version());
        assertEquals(List.of(), registry.versionIds(A));
    }
}
