package io.swapgate.gateway.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class FailureStatusTest {

    @Test
    void anInternalErrorTellsTheCallerAnIncidentIdAndNothingOfItsText() {
        RuntimeException bug = new UncheckedIOException(
                new IOException("/var/lib/swapgate/adapters/acme/secret/aliases/stable.json: bad"));
        assertEquals(Status.Code.INTERNAL, FailureStatus.of(bug));
        String told = FailureStatus.message(bug);
        assertFalse(told.contains("acme") || told.contains("/var/lib"), told);
        assertTrue(told.matches("internal error \\(incident [0-9a-f]+ in the gateway's log\\)"), told);
    }

    @Test
    void aCallersOwnMistakeIsToldAsItIs() {
        IllegalArgumentException bad = new IllegalArgumentException("max_new_tokens must be positive, got 0");
        assertEquals(Status.Code.INVALID_ARGUMENT, FailureStatus.of(bad));
        assertEquals("max_new_tokens must be positive, got 0", FailureStatus.message(bad));
    }

    @Test
    void requestIdsAreShortAndPrintable() {
        assertEquals("order-43", RequestIds.check("order-43"));
        assertEquals("x".repeat(128), RequestIds.check("x".repeat(128)));
        for (String bad : new String[] {"", "x".repeat(129), "two words", "line\nbreak", "caf\u00e9"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestIds.check(bad));
            assertFalse(e.getMessage().contains(bad.isEmpty() ? "\u0000" : bad), "the refusal does not echo the id");
        }
    }
}
