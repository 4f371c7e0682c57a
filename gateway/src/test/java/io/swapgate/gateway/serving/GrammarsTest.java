package io.swapgate.gateway.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.constrain.Grammar;
import io.swapgate.gateway.tenancy.QuotaExceededException;
import io.swapgate.proto.v1.ResponseFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The compiled-grammar cache: bounded by the bytes its automata hold, kept apart per tenant, and at most two
 * compilations of one tenant at once.
 */
class GrammarsTest {

    private static ResponseFormat regex(String pattern) {
        return ResponseFormat.newBuilder().setRegex(pattern).build();
    }

    @Test
    void aTenantFloodingLargeSchemasEvictsItsOwnGrammarsNotAnothers() {
        Grammar large = Grammar.regex("[a-z]{0,900}x");
        long budget = 8 * large.retainedBytes();
        Grammars grammars = new Grammars(budget);
        Grammar quiet = grammars.of("quiet", regex("[0-9]{3}"));
        for (int i = 0; i < 40; i++) {
            grammars.of("flood", regex("[a-z]{0,900}x" + i));
            assertTrue(grammars.heldBytes() <= budget, "held " + grammars.heldBytes() + " of " + budget);
        }
        assertSame(quiet, grammars.of("quiet", regex("[0-9]{3}")), "the quiet tenant's grammar is still kept");
        assertTrue(grammars.heldBytes("flood") <= budget - grammars.heldBytes("quiet"));
        assertTrue(grammars.heldBytes("flood") >= 6 * large.retainedBytes(), "the flood keeps what room there is");
    }

    @Test
    void aTenantCannotHoldMoreThanTwoCompilationsAtOnce() throws Exception {
        Grammars grammars = new Grammars(Grammars.KEPT_BYTES);
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        Grammar slowResult = Grammar.regex("(slow|er)");
        java.util.function.Supplier<Grammar> slow = () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return slowResult;
        };
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            Future<Grammar> first = threads.submit(() -> grammars.cached("flood", "regex", "one", slow));
            threads.submit(() -> grammars.cached("flood", "regex", "two", slow));
            assertTrue(started.await(30, TimeUnit.SECONDS), "both compilations under way");
            Future<Grammar> sameText = threads.submit(() -> grammars.cached("flood", "regex", "one", slow));
            QuotaExceededException third =
                    assertThrows(QuotaExceededException.class, () -> grammars.of("flood", regex("[a-z]+")));
            assertEquals("grammar-compilations", third.quota());
            assertEquals(Grammar.class, grammars.of("quiet", regex("[a-z]+")).getClass(), "other tenants compile");
            release.countDown();
            assertSame(slowResult, first.get(30, TimeUnit.SECONDS));
            assertSame(slowResult, sameText.get(30, TimeUnit.SECONDS), "the same text waits for the first compilation");
            assertEquals(Grammar.class, grammars.of("flood", regex("[a-z]+")).getClass(), "room again once done");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void tenantsNeverShareACompiledGrammar() {
        Grammars grammars = new Grammars(Grammars.KEPT_BYTES);
        Grammar first = grammars.of("a", regex("(yes|no)"));
        assertSame(first, grammars.of("a", regex("(yes|no)")), "a tenant's repeat is served from its cache");
        assertNotSame(first, grammars.of("b", regex("(yes|no)")), "another tenant compiles its own");
        assertEquals(grammars.heldBytes("a"), grammars.heldBytes("b"));
    }
}
