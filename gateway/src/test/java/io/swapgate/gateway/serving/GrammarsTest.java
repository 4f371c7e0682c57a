package io.swapgate.gateway.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.constrain.Grammar;
import io.swapgate.proto.v1.ResponseFormat;
import org.junit.jupiter.api.Test;

/** The compiled-grammar cache: bounded by the bytes its automata hold, and kept apart per tenant. */
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
    void tenantsNeverShareACompiledGrammar() {
        Grammars grammars = new Grammars(Grammars.KEPT_BYTES);
        Grammar first = grammars.of("a", regex("(yes|no)"));
        assertSame(first, grammars.of("a", regex("(yes|no)")), "a tenant's repeat is served from its cache");
        assertNotSame(first, grammars.of("b", regex("(yes|no)")), "another tenant compiles its own");
        assertEquals(grammars.heldBytes("a"), grammars.heldBytes("b"));
    }
}
