package io.swapgate.gateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplyTopicsTest {

    private final ReplyTopics topics = new ReplyTopics("swapgate.responses");

    @Test
    void aTenantOwnsItsTopicAndTheTopicsBelowIt() {
        Set<String> tenants = Set.of("acme", "beta");
        assertEquals("acme", topics.owner("swapgate.responses.acme", tenants));
        assertEquals("acme", topics.owner("swapgate.responses.acme.orders", tenants));
        assertEquals("beta", topics.owner("swapgate.responses.beta.x.y", tenants));
    }

    @Test
    void segmentsMatchWholeNotAsStringPrefixes() {
        Set<String> tenants = Set.of("acme");
        assertNull(topics.owner("swapgate.responses.acmecorp", tenants), "acme does not own acmecorp's topic");
        assertNull(topics.owner("swapgate.responses-acme", tenants));
        assertNull(topics.owner("swapgate.responses", tenants), "the shared default is nobody's own");
        assertNull(topics.owner("swapgate.requests.dlq", tenants));
    }

    @Test
    void aTenantWhoseNameExtendsAnotherOwnsItsTopicsAgainstTheShorterName() {
        Set<String> tenants = Set.of("acme", "acme.beta");
        assertEquals("acme.beta", topics.owner("swapgate.responses.acme.beta", tenants));
        assertEquals("acme.beta", topics.owner("swapgate.responses.acme.beta.orders", tenants));
        assertEquals("acme", topics.owner("swapgate.responses.acme.betamax", tenants));
        assertEquals("acme", topics.owner("swapgate.responses.acme.gamma", tenants));
    }
}
