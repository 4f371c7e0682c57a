package io.swapgate.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.PeftAdapterReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemAdapterRegistryTest {

    @TempDir
    Path dir;

    RegistryFixture fx;
    FileSystemAdapterRegistry registry;
    final List<RegistryEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fx = new RegistryFixture(dir, 1);
        registry = fx.registry;
        registry.subscribe(events::add);
    }

    private static AdapterReference ref(String text) {
        return AdapterReference.parse(text);
    }

    @Test
    void publishingRecordsAnImmutableVersionAndMovesLatest() throws Exception {
        Path source = fx.adapterFolder();
        VersionMetadata v1 = registry.publishFolder(
                source,
                new PublishRequest(
                        AdapterName.parse("acme/support"),
                        "ci",
                        null,
                        Map.of("team", "qa"),
                        Map.of("eval_loss", 1.25),
                        null));
        assertEquals(PeftAdapterReader.contentVersion(source), v1.version());
        assertEquals("prompt", v1.kind());
        assertEquals("stories260K", v1.baseModelName());
        assertEquals(RegistryFixture.BASE.digest(), v1.baseModelDigest());
        assertEquals(
                Files.size(source.resolve("adapter_config.json"))
                        + Files.size(source.resolve("adapter_model.safetensors")),
                v1.sizeBytes());
        assertEquals(Map.of("team", "qa"), v1.labels());
        assertEquals(1.25, v1.metrics().get("eval_loss"));
        assertEquals(Map.of("latest", v1.version()), registry.aliases(AdapterName.parse("acme/support")));

        VersionMetadata v2 = fx.publish("acme/support", null);
        assertEquals(v2.version(), registry.resolve(ref("acme/support")).version(), "no stable yet: latest");
        assertEquals(
                v1.version(),
                registry.resolve(ref("acme/support@" + v1.version().substring(0, 10)))
                        .version());
        assertEquals(List.of(v1, v2), registry.versions(AdapterName.parse("acme/support")));
        assertEquals(
                List.of(RegistryEvent.Type.PUBLISHED, RegistryEvent.Type.PUBLISHED),
                events.stream().map(RegistryEvent::type).toList());
        assertEquals(v1.version(), events.get(1).previousVersion());

        RegistryException again = assertThrows(
                RegistryException.class,
                () -> registry.publishFolder(
                        source, new PublishRequest(AdapterName.parse("acme/support"), "ci", null, null, null, null)));
        assertEquals(RegistryException.Reason.ALREADY_EXISTS, again.reason());
        assertTrue(again.getMessage().contains("version " + v1.version() + " of acme/support already exists"));
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry), "staging is cleaned up");
    }

    @Test
    void stableWinsOverLatestAndAliasesMoveAndRollBack() throws Exception {
        AdapterName name = AdapterName.parse("acme/a");
        VersionMetadata v1 = fx.publish("acme/a", "stable");
        VersionMetadata v2 = fx.publish("acme/a", null);
        assertEquals(v1.version(), registry.resolve(ref("acme/a")).version(), "no suffix means @stable when it exists");
        assertEquals(v2.version(), registry.resolve(ref("acme/a@latest")).version());
        registry.promote(name, "stable", v2.version());
        registry.promote(name, "canary", "latest");
        assertEquals(
                Map.of("latest", v2.version(), "stable", v2.version(), "canary", v2.version()), registry.aliases(name));
        RegistryEvent back = registry.rollback(name, "stable");
        assertEquals(v1.version(), back.version());
        assertEquals(v2.version(), back.previousVersion());
        assertEquals(v1.version(), registry.resolve(ref("acme/a@stable")).version());
        RegistryException none = assertThrows(RegistryException.class, () -> registry.rollback(name, "stable"));
        assertEquals(RegistryException.Reason.FAILED_PRECONDITION, none.reason());
        assertTrue(none.getMessage().contains("no earlier version to roll back to"));
    }

    @Test
    void unknownNamesAliasesAndVersionsAreNotFound() throws Exception {
        fx.publish("acme/a", null);
        assertNotFound("adapter 'acme/b' not found", () -> registry.resolve(ref("acme/b")));
        assertNotFound("adapter 'acme/a' has no alias 'prod'", () -> registry.resolve(ref("acme/a@prod")));
        assertNotFound("adapter 'acme/a' has no version 00000000", () -> registry.resolve(ref("acme/a@00000000")));
        assertNotFound("has no alias 'nope'", () -> registry.rollback(AdapterName.parse("acme/a"), "nope"));
        assertNotFound(
                "adapter 'acme/zzz' not found",
                () -> registry.promote(AdapterName.parse("acme/zzz"), "stable", "latest"));
    }

    @Test
    void namesAndReferencesAreValidated() {
        for (String bad : List.of(
                "acme",
                "../etc/passwd",
                "acme/../x",
                "Acme/x",
                "acme/x/y",
                "acme/.hidden",
                "a/" + "x".repeat(65),
                "acme/x@",
                "acme/x@UPPER",
                "acme/x@../../y",
                "acme/x@1234")) {
            assertThrows(IllegalArgumentException.class, () -> AdapterReference.parse(bad), bad);
        }
        assertEquals("deadbeef", AdapterReference.parse("acme/x@deadbeef").selector());
        assertThrows(
                IllegalArgumentException.class,
                () -> new PublishRequest(AdapterName.parse("acme/x"), "c", null, null, null, "Bad Alias"));
    }

    @Test
    void aSelectorThatIsAPathNeverReachesTheFileSystem() throws Exception {
        AdapterName lora = AdapterName.parse("acme/lora");
        VersionMetadata own = fx.publish("acme/lora", "stable");
        fx.publish("acme/prompt", "stable");
        for (String selector : List.of(
                "../../prompt/aliases/stable",
                "../../../other/x/aliases/stable",
                "stable/../latest",
                "",
                "/etc/passwd")) {
            assertThrows(IllegalArgumentException.class, () -> registry.promote(lora, "probe", selector), selector);
            assertThrows(IllegalArgumentException.class, () -> registry.delete(lora, selector, v -> false), selector);
            assertThrows(IllegalArgumentException.class, () -> registry.rollback(lora, selector), selector);
        }
        assertEquals(
                Map.of("latest", own.version(), "stable", own.version()),
                registry.aliases(lora),
                "no alias moved or appeared");
    }

    @Test
    void invalidUploadsAreRefusedWithTheValidationMessageAndLeaveNothingBehind() throws Exception {
        Path bad = fx.adapterFolder();
        Files.writeString(
                bad.resolve("adapter_config.json"), "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 0}");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> registry.publishFolder(
                        bad, new PublishRequest(AdapterName.parse("acme/bad"), "c", null, null, null, null)));
        assertTrue(e.getMessage().contains("'num_virtual_tokens' must be positive"), e.getMessage());
        Path extra = registry.newStaging();
        Files.writeString(extra.resolve("run.py"), "import os");
        e = assertThrows(
                IllegalArgumentException.class,
                () -> registry.publish(
                        extra, new PublishRequest(AdapterName.parse("acme/bad"), "c", null, null, null, null)));
        assertTrue(e.getMessage().contains("unexpected file 'run.py'"), e.getMessage());
        assertEquals(List.of(), registry.names(null));
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
    }

    @Test
    void deletingIsRefusedWhileAnAliasPointsAtTheVersionOrRequestsUseIt() throws Exception {
        AdapterName name = AdapterName.parse("acme/a");
        VersionMetadata v1 = fx.publish("acme/a", "stable");
        VersionMetadata v2 = fx.publish("acme/a", null);
        RegistryException aliased =
                assertThrows(RegistryException.class, () -> registry.delete(name, v1.version(), v -> false));
        assertEquals(RegistryException.Reason.FAILED_PRECONDITION, aliased.reason());
        assertTrue(aliased.getMessage().contains("alias 'stable' points at it"));
        registry.promote(name, "stable", v2.version());
        RegistryException pinned =
                assertThrows(RegistryException.class, () -> registry.delete(name, v1.version(), v -> true));
        assertTrue(pinned.getMessage().contains("requests in flight use it"));
        registry.delete(name, v1.version(), v -> false);
        assertEquals(List.of(v2), registry.versions(name));
        assertNotFound("has no version", () -> registry.resolve(ref("acme/a@" + v1.version())));
        assertEquals(RegistryEvent.Type.DELETED, events.get(events.size() - 1).type());
    }

    @Test
    void latestFollowsDeletesAndDeletingTheLastVersionRemovesTheName() throws Exception {
        AdapterName name = AdapterName.parse("acme/a");
        VersionMetadata v1 = fx.publish("acme/a", null);
        VersionMetadata v2 = fx.publish("acme/a", null);
        assertEquals(v2.version(), registry.aliases(name).get("latest"));
        registry.delete(name, v2.version(), v -> false);
        assertEquals(v1.version(), registry.aliases(name).get("latest"), "latest moves to the newest version left");
        assertEquals(v1.version(), registry.resolve(ref("acme/a")).version());
        registry.delete(name, "latest", v -> false);
        assertEquals(List.of(), registry.names("acme"), "no version left, no name left");
        assertNotFound("not found", () -> registry.resolve(ref("acme/a")));
        VersionMetadata again = fx.publish("acme/a", null);
        assertEquals(again.version(), registry.resolve(ref("acme/a")).version(), "the name can be used again");
    }

    @Test
    void startupCheckQuarantinesHalfWrittenStateAndRepairsAliases() throws Exception {
        AdapterName name = AdapterName.parse("acme/a");
        VersionMetadata v1 = fx.publish("acme/a", "stable");
        VersionMetadata v2 = fx.publish("acme/a", null);
        VersionMetadata v3 = fx.publish("acme/a", null);
        registry.promote(name, "stable", v3.version());
        // A process that crashed mid-upload left its staging folder (and no lock: it is gone); bit rot corrupts v3;
        // v2's folder vanishes. This registry's own upload under way is left alone.
        Path staged = Files.createDirectories(
                registry.root().resolve("staging").resolve("dead-owner").resolve("upload-1"));
        Path ownUpload = registry.newStaging();
        Files.writeString(ownUpload.resolve("adapter_config.json"), "{}");
        Files.writeString(staged.resolve("adapter_config.json"), "{\"peft_ty");
        Path v3Weights =
                registry.resolve(ref("acme/a@" + v3.version())).folder().resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(v3Weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(v3Weights, bytes);
        AtomicFiles.deleteTree(registry.resolve(ref("acme/a@" + v2.version())).folder());
        Files.writeString(registry.aliasFile(name, "stable").resolveSibling(".stable.json.123.tmp"), "{\"vers");

        IntegrityReport report = registry.checkIntegrity();
        assertEquals(1, report.versions());
        assertTrue(
                report.problems().stream().anyMatch(p -> p.contains("interrupted before it completed")),
                report.toString());
        assertTrue(
                report.problems().stream()
                        .anyMatch(p -> p.contains("version " + v3.version() + " of acme/a: its files hash to")),
                report.toString());
        assertTrue(
                report.problems().stream()
                        .anyMatch(p -> p.contains("alias 'stable' of acme/a pointed at missing version " + v3.version()
                                + "; moved back to " + v1.version())),
                report.toString());
        // latest pointed at v3, with v2 before it (gone) and v1 before that.
        assertEquals(Map.of("latest", v1.version(), "stable", v1.version()), registry.aliases(name));
        assertFalse(Files.exists(registry.aliasFile(name, "stable").resolveSibling(".stable.json.123.tmp")));
        assertEquals(List.of(ownUpload.resolve("adapter_config.json")), RegistryFixture.stagedFiles(registry));
        assertTrue(Files.isDirectory(registry.root().resolve("quarantine")));
        assertEquals(new IntegrityReport(1, 2, List.of()), registry.checkIntegrity(), "a second check finds nothing");
    }

    private static void assertNotFound(String message, org.junit.jupiter.api.function.Executable call) {
        RegistryException e = assertThrows(RegistryException.class, call);
        assertEquals(RegistryException.Reason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
