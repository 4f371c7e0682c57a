package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobClaimTest {

    @Test
    void aJobIsHeldOnceUntilLetGoAndItsFileGoesWhenItEnded(@TempDir Path dir) throws Exception {
        JobStore store = new JobStore(dir);
        JobClaim claim = store.claim("j1").orElseThrow();
        assertTrue(store.claim("j1").isEmpty(), "held: a second claim fails");
        try (JobClaim other = store.claim("j2").orElseThrow()) {
            assertTrue(store.claimed().contains("j2"), "another job is claimed on its own");
        }
        assertTrue(store.claimed().contains("j1"));

        claim.close(); // a stop: the job is unfinished, its lock file stays for the next replica
        JobClaim again = store.claim("j1").orElseThrow();
        again.releaseEnded();
        assertFalse(Files.exists(dir.resolve("jobs").resolve("j1.lock")));
        assertFalse(store.claimed().contains("j1"));
    }
}
