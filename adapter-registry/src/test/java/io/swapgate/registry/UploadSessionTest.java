package io.swapgate.registry;

import static io.swapgate.core.adapter.PeftAdapterReader.CONFIG_FILE;
import static io.swapgate.core.adapter.PeftAdapterReader.WEIGHTS_FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.PeftAdapterReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadSessionTest {

    private static final long MAX_WEIGHTS = 1L << 20;
    private static final AdapterName NAME = AdapterName.parse("acme/uploaded");

    @TempDir
    Path dir;

    RegistryFixture fx;
    FileSystemAdapterRegistry registry;
    Path source;
    byte[] config;
    byte[] weights;

    @BeforeEach
    void setUp() throws Exception {
        fx = new RegistryFixture(dir, 11);
        registry = fx.registry;
        source = fx.adapterFolder();
        config = Files.readAllBytes(source.resolve(CONFIG_FILE));
        weights = Files.readAllBytes(source.resolve(WEIGHTS_FILE));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private List<UploadSession.ExpectedFile> manifest() throws Exception {
        return List.of(
                new UploadSession.ExpectedFile(CONFIG_FILE, config.length, sha256(config)),
                new UploadSession.ExpectedFile(WEIGHTS_FILE, weights.length, sha256(weights)));
    }

    private UploadSession open(List<UploadSession.ExpectedFile> manifest) throws Exception {
        return new UploadSession(registry, manifest, MAX_WEIGHTS);
    }

    private static PublishRequest request() {
        return new PublishRequest(NAME, "upload", null, Map.of(), Map.of(), null);
    }

    private static void assertRefused(String message, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void filesStreamedInChunksArePublishedAsOneVersion() throws Exception {
        VersionMetadata published;
        try (UploadSession upload = open(manifest())) {
            int third = weights.length / 3;
            upload.write(WEIGHTS_FILE, Arrays.copyOfRange(weights, 0, third));
            upload.write(CONFIG_FILE, Arrays.copyOfRange(config, 0, 5)); // the files' chunks may interleave
            upload.write(WEIGHTS_FILE, Arrays.copyOfRange(weights, third, 2 * third));
            upload.write(CONFIG_FILE, Arrays.copyOfRange(config, 5, config.length));
            upload.write(WEIGHTS_FILE, new byte[0]);
            upload.write(WEIGHTS_FILE, Arrays.copyOfRange(weights, 2 * third, weights.length));
            published = upload.finish(request());
        }
        assertEquals(PeftAdapterReader.contentVersion(source), published.version(), "the same bytes, the same version");
        assertEquals(List.of(published), registry.versions(NAME));
        assertEquals(Map.of("latest", published.version()), registry.aliases(NAME));
        assertEquals(
                List.of(), RegistryFixture.stagedFiles(registry), "closing a finished upload keeps nothing staged");
        Path folder = registry.resolve(new AdapterReference(NAME, null)).folder();
        assertTrue(Arrays.equals(weights, Files.readAllBytes(folder.resolve(WEIGHTS_FILE))));
    }

    @Test
    void theManifestMustListExactlyTheTwoAdapterFiles() throws Exception {
        UploadSession.ExpectedFile cfg = manifest().get(0);
        UploadSession.ExpectedFile wts = manifest().get(1);
        UploadSession.ExpectedFile extra = new UploadSession.ExpectedFile("run.py", 3, sha256(new byte[3]));
        UploadSession.ExpectedFile escaping =
                new UploadSession.ExpectedFile("../" + WEIGHTS_FILE, wts.size(), wts.sha256());
        for (List<UploadSession.ExpectedFile> bad : List.of(
                List.<UploadSession.ExpectedFile>of(),
                List.of(cfg),
                List.of(cfg, cfg),
                List.of(cfg, wts, extra),
                List.of(cfg, extra),
                List.of(cfg, escaping),
                List.of(cfg, wts, wts))) {
            assertRefused("the manifest must list exactly " + CONFIG_FILE + " and " + WEIGHTS_FILE, () -> open(bad));
        }
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
        try (Stream<Path> staging = Files.list(registry.root().resolve("staging"))) {
            assertEquals(
                    1,
                    staging.filter(Files::isDirectory).count(),
                    "a refused manifest does not even get a staging folder (only this registry's own area is there)");
        }
    }

    @Test
    void sizesOutsideTheLimitsAreRefusedBeforeAnythingIsWritten() throws Exception {
        String configSha = sha256(config);
        String weightsSha = sha256(weights);
        assertRefused(
                CONFIG_FILE + " of 65537 bytes is outside the limit of 65536",
                () -> open(List.of(
                        new UploadSession.ExpectedFile(CONFIG_FILE, 64 * 1024 + 1, configSha),
                        new UploadSession.ExpectedFile(WEIGHTS_FILE, weights.length, weightsSha))));
        assertRefused(
                WEIGHTS_FILE + " of " + (MAX_WEIGHTS + 1) + " bytes is outside the limit of " + MAX_WEIGHTS,
                () -> open(List.of(
                        new UploadSession.ExpectedFile(CONFIG_FILE, config.length, configSha),
                        new UploadSession.ExpectedFile(WEIGHTS_FILE, MAX_WEIGHTS + 1, weightsSha))));
        assertRefused(
                "of -1 bytes is outside the limit",
                () -> open(List.of(
                        new UploadSession.ExpectedFile(CONFIG_FILE, -1, configSha),
                        new UploadSession.ExpectedFile(WEIGHTS_FILE, weights.length, weightsSha))));
        // The limits themselves are allowed.
        open(List.of(
                        new UploadSession.ExpectedFile(CONFIG_FILE, 64 * 1024, configSha),
                        new UploadSession.ExpectedFile(WEIGHTS_FILE, MAX_WEIGHTS, weightsSha)))
                .close();
    }

    @Test
    void aChecksumMustBeSixtyFourLowerCaseHexDigits() throws Exception {
        String sha = sha256(weights);
        for (String bad : Arrays.asList(
                null,
                "",
                sha.toUpperCase(Locale.ROOT),
                sha.substring(1),
                sha + "0",
                "z" + sha.substring(1),
                sha.substring(0, 63) + "\n")) {
            assertRefused(
                    WEIGHTS_FILE + " needs its sha256 as 64 lower-case hex digits",
                    () -> open(List.of(
                            new UploadSession.ExpectedFile(CONFIG_FILE, config.length, sha256(config)),
                            new UploadSession.ExpectedFile(WEIGHTS_FILE, weights.length, bad))));
        }
    }

    @Test
    void aChunkForAFileTheManifestDoesNotListIsRefused() throws Exception {
        try (UploadSession upload = open(manifest())) {
            for (String name : List.of("run.py", "../" + CONFIG_FILE, "../../../evil", "metadata.json", "")) {
                assertRefused(
                        "chunk for '" + name + "', which the manifest does not list",
                        () -> upload.write(name, new byte[] {1}));
            }
            assertEquals(List.of(), RegistryFixture.stagedFiles(registry), "nothing was written anywhere");
        }
        assertFalse(Files.exists(registry.root().resolve("evil")));
        assertFalse(Files.exists(dir.resolve("evil")));
    }

    @Test
    void moreBytesThanTheManifestDeclaresAreRefusedAndNotWritten() throws Exception {
        try (UploadSession upload = open(manifest())) {
            upload.write(CONFIG_FILE, config);
            assertRefused(
                    CONFIG_FILE + " received more than the " + config.length + " bytes the manifest declares",
                    () -> upload.write(CONFIG_FILE, new byte[] {'\n'}));
            List<Path> staged = RegistryFixture.stagedFiles(registry);
            assertEquals(1, staged.size());
            assertEquals(config.length, Files.size(staged.get(0)), "the refused chunk did not reach the disk");
        }
    }

    @Test
    void aTruncatedUploadPublishesNothingAndLeavesNothingBehind() throws Exception {
        try (UploadSession upload = open(manifest())) {
            upload.write(CONFIG_FILE, config);
            upload.write(WEIGHTS_FILE, Arrays.copyOf(weights, weights.length - 1));
            assertRefused(
                    WEIGHTS_FILE + " is truncated: " + (weights.length - 1) + " of " + weights.length
                            + " bytes arrived",
                    () -> upload.finish(request()));
        }
        assertEquals(List.of(), registry.names(null));
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
    }

    @Test
    void aFileThatNeverArrivedIsTruncatedToo() throws Exception {
        try (UploadSession upload = open(manifest())) {
            upload.write(WEIGHTS_FILE, weights);
            assertRefused(
                    CONFIG_FILE + " is truncated: 0 of " + config.length + " bytes arrived",
                    () -> upload.finish(request()));
        }
        assertEquals(List.of(), registry.names(null));
    }

    @Test
    void bytesThatDoNotHashToTheirChecksumAreNeverPublished() throws Exception {
        byte[] flipped = weights.clone();
        flipped[flipped.length / 2] = (byte) (flipped[flipped.length / 2] ^ 1);
        try (UploadSession upload = open(manifest())) {
            upload.write(CONFIG_FILE, config);
            upload.write(WEIGHTS_FILE, flipped);
            assertRefused(
                    WEIGHTS_FILE + " checksum mismatch: the manifest says " + sha256(weights) + ", the bytes hash to "
                            + sha256(flipped),
                    () -> upload.finish(request()));
        }
        assertEquals(List.of(), registry.names(null));
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
    }

    @Test
    void closingAnUnfinishedUploadRemovesWhatWasWritten() throws Exception {
        UploadSession upload = open(manifest());
        upload.write(WEIGHTS_FILE, Arrays.copyOf(weights, 100));
        assertEquals(1, RegistryFixture.stagedFiles(registry).size());
        upload.close(); // the client went away mid-stream
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
        assertEquals(List.of(), registry.names(null));
    }

    @Test
    void anAnnouncedEmptyFileIsStillValidatedAsAnAdapter() throws Exception {
        // Declaring the weights empty (with the right hash of nothing) passes the manifest, never the registry.
        try (UploadSession upload = open(List.of(
                new UploadSession.ExpectedFile(CONFIG_FILE, config.length, sha256(config)),
                new UploadSession.ExpectedFile(WEIGHTS_FILE, 0, sha256(new byte[0]))))) {
            upload.write(CONFIG_FILE, config);
            assertRefused("adapter rejected", () -> upload.finish(request()));
        }
        assertEquals(List.of(), registry.names(null));
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
    }

    @Test
    void theSameBytesUploadedTwiceAreRefusedAsAnExistingVersion() throws Exception {
        try (UploadSession upload = open(manifest())) {
            upload.write(CONFIG_FILE, config);
            upload.write(WEIGHTS_FILE, weights);
            upload.finish(request());
        }
        try (UploadSession again = open(manifest())) {
            again.write(CONFIG_FILE, config);
            again.write(WEIGHTS_FILE, weights);
            RegistryException e = assertThrows(RegistryException.class, () -> again.finish(request()));
            assertEquals(RegistryException.Reason.ALREADY_EXISTS, e.reason());
        }
        assertEquals(1, registry.versions(NAME).size());
        assertEquals(List.of(), RegistryFixture.stagedFiles(registry));
    }
}
