package io.swapgate.gateway.kafka;

import java.util.Set;

/**
 * Which tenant owns a reply topic. A tenant's own topics are {@code <responses>.<tenant>} and
 * {@code <responses>.<tenant>.<anything>}, matched by whole dot-separated segments. Tenant names may hold dots, so
 * {@code swapgate.responses.acme.beta} could be tenant {@code acme}'s topic {@code beta} or tenant {@code acme.beta}'s
 * own: the longest tenant name that matches owns it, so that no tenant can write into the topics of a tenant whose
 * name extends its own.
 */
final class ReplyTopics {

    private final String responses;

    /** @param responses the default responses topic, whose name prefixes every tenant's own */
    ReplyTopics(String responses) {
        this.responses = responses;
    }

    /** The tenant among {@code tenants} that owns {@code topic}, or null when none does. */
    String owner(String topic, Set<String> tenants) {
        String prefix = responses + ".";
        if (!topic.startsWith(prefix)) {
            return null;
        }
        String rest = topic.substring(prefix.length());
        String owner = null;
        for (String tenant : tenants) {
            boolean matches = rest.equals(tenant) || rest.startsWith(tenant + ".");
            if (matches && (owner == null || tenant.length() > owner.length())) {
                owner = tenant;
            }
        }
        return owner;
    }
}
