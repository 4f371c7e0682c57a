package io.swapgate.gateway.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swapgate.registry.AdapterName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessTest {

    private final Access access = new Access(Map.of(
            "acme/summarizer", List.of("beta", "gamma"),
            "acme/translator", List.of(Access.EVERY_TENANT),
            "beta/tagger", List.of("gamma")));

    @Test
    void aTenantIsSharedWhatNamesItAndWhatIsSharedWithEveryTenantButNotItsOwn() {
        assertEquals(List.of("acme/summarizer", "acme/translator", "beta/tagger"), names(access.sharedWith("gamma")));
        assertEquals(List.of("acme/summarizer", "acme/translator"), names(access.sharedWith("beta")));
        assertEquals(List.of("acme/translator"), names(access.sharedWith("delta")));
        assertEquals(List.of(), names(access.sharedWith("acme")), "an owner's own adapters are not shared with it");
    }

    private static List<String> names(List<AdapterName> names) {
        return names.stream().map(AdapterName::toString).toList();
    }
}
