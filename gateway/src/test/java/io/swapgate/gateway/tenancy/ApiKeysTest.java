package io.swapgate.gateway.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @TempDir
    Path dir;

    private Path keyFile(String... lines) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static String line(String id, String tenant, String key) {
        return id + " " + tenant + " tenant " + ApiKeyHash.of(key);
    }

    @Test
    void aDeletedKeyFileRevokesEveryKey() throws Exception {
        Path file = keyFile(line("a-1", "acme", "secret-a"));
        ApiKeys keys = new ApiKeys(file);
        assertEquals("acme", keys.authenticate("secret-a").tenant());
        Files.delete(file);
        assertNull(keys.authenticate("secret-a"), "a key removed with its file is refused, not kept");
        keyFile(line("a-2", "acme", "secret-b"));
        assertNull(keys.authenticate("secret-a"));
        assertNotNull(keys.authenticate("secret-b"), "a restored file is read again");
    }

    @Test
    void aKeyFileChangedIntoOneThatCannotBeReadRevokesEveryKey() throws Exception {
        Path file = keyFile(line("a-1", "acme", "secret-a"));
        ApiKeys keys = new ApiKeys(file);
        Files.writeString(file, line("a-1", "acme", "secret-a") + "\nthis line is not a key\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5))); // a change the stamp sees
        assertNull(keys.authenticate("secret-a"), "an unreadable file accepts nothing");
    }
}
