package io.swapgate.gateway.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaLimitsTest {

    private static final List<String> ALL = List.of(
            "adapter-bytes",
            "adapters",
            "concurrent-requests",
            "max-new-tokens",
            "queued-requests",
            "requests-per-second",
            "tokens-per-minute",
            "upload-bytes");

    /** Every quota, as an operator configures them. */
    private static Map<String, String> configured() {
        Map<String, String> values = new HashMap<>();
        values.put(QuotaLimits.REQUESTS_PER_SECOND, "2.5");
        values.put(QuotaLimits.TOKENS_PER_MINUTE, "6000");
        values.put(QuotaLimits.CONCURRENT_REQUESTS, "4");
        values.put(QuotaLimits.QUEUED_REQUESTS, "8");
        values.put(QuotaLimits.MAX_NEW_TOKENS, "512");
        values.put(QuotaLimits.ADAPTERS, "10");
        values.put(QuotaLimits.ADAPTER_BYTES, "1073741824");
        values.put(QuotaLimits.UPLOAD_BYTES, "104857600");
        return values;
    }

    private static Map<String, String> configuredWith(String name, String value) {
        Map<String, String> values = configured();
        values.put(name, value);
        return values;
    }

    private static void assertRefused(String message, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void everyQuotaIsReadByTheNameItIsConfiguredAndRefusedUnder() {
        assertEquals(new QuotaLimits(2.5, 6000, 4, 8, 512, 10, 1L << 30, 100L << 20), QuotaLimits.of(configured()));
        assertEquals(
                ALL,
                List.of(
                        QuotaLimits.ADAPTER_BYTES,
                        QuotaLimits.ADAPTERS,
                        QuotaLimits.CONCURRENT_REQUESTS,
                        QuotaLimits.MAX_NEW_TOKENS,
                        QuotaLimits.QUEUED_REQUESTS,
                        QuotaLimits.REQUESTS_PER_SECOND,
                        QuotaLimits.TOKENS_PER_MINUTE,
                        QuotaLimits.UPLOAD_BYTES));
    }

    @Test
    void everyQuotaMustBeConfiguredAndTheMissingOnesAreNamed() {
        Map<String, String> values = configured();
        values.remove(QuotaLimits.MAX_NEW_TOKENS);
        values.remove(QuotaLimits.ADAPTERS);
        assertRefused("quotas not configured: [adapters, max-new-tokens]", () -> QuotaLimits.of(values));
        assertRefused("quotas not configured: " + ALL, () -> QuotaLimits.of(Map.of()));
    }

    @Test
    void anUnknownQuotaIsRefusedWithTheNamesThatAreKnown() {
        // A typo would otherwise leave the quota meant at its default without a word.
        assertRefused(
                "unknown quotas [request-per-second]; known: " + ALL,
                () -> QuotaLimits.of(configuredWith("request-per-second", "1")));
    }

    @Test
    void aQuotaThatIsNotANumberIsRefused() {
        for (Map.Entry<String, String> bad : List.of(
                Map.entry(QuotaLimits.REQUESTS_PER_SECOND, "ten"),
                Map.entry(QuotaLimits.CONCURRENT_REQUESTS, "1.5"),
                Map.entry(QuotaLimits.TOKENS_PER_MINUTE, "1e3"),
                Map.entry(QuotaLimits.MAX_NEW_TOKENS, " 512"),
                Map.entry(QuotaLimits.ADAPTERS, ""),
                Map.entry(QuotaLimits.QUEUED_REQUESTS, "9999999999"),
                Map.entry(QuotaLimits.UPLOAD_BYTES, "100MB"))) {
            assertRefused(
                    "a quota is not a number", () -> QuotaLimits.of(configuredWith(bad.getKey(), bad.getValue())));
        }
    }

    @Test
    void quotasMustBePositiveButQueuedRequestsAdaptersAndAdapterBytesMayBeZero() {
        String message = "quotas must be positive and finite (queued-requests, adapters and adapter-bytes may be 0)";
        for (String name : ALL) {
            assertRefused(message, () -> QuotaLimits.of(configuredWith(name, "-1")));
        }
        for (String name : List.of(
                QuotaLimits.REQUESTS_PER_SECOND,
                QuotaLimits.TOKENS_PER_MINUTE,
                QuotaLimits.CONCURRENT_REQUESTS,
                QuotaLimits.MAX_NEW_TOKENS,
                QuotaLimits.UPLOAD_BYTES)) {
            assertRefused(message, () -> QuotaLimits.of(configuredWith(name, "0")));
        }
        QuotaLimits storageOff = QuotaLimits.of(configured())
                .with(Map.of(
                        QuotaLimits.QUEUED_REQUESTS, "0", QuotaLimits.ADAPTERS, "0", QuotaLimits.ADAPTER_BYTES, "0"));
        assertEquals(
                List.of(0, 0, 0L),
                List.of(storageOff.queuedRequests(), storageOff.adapters(), storageOff.adapterBytes()));
        assertEquals(
                0.001,
                QuotaLimits.of(configuredWith(QuotaLimits.REQUESTS_PER_SECOND, "0.001"))
                        .requestsPerSecond(),
                "a request every 1000 s is positive");
    }

    @Test
    void aRateThatIsNotANumberOrInfiniteCannotTurnTheRateLimitOff() {
        // NaN <= 0 is false, so a plain sign check let NaN through; the token bucket then never made anyone wait.
        for (String rate : List.of("NaN", "Infinity", "-Infinity")) {
            assertRefused(
                    "quotas must be positive and finite",
                    () -> QuotaLimits.of(configuredWith(QuotaLimits.REQUESTS_PER_SECOND, rate)));
        }
    }

    @Test
    void overridesReplaceOnlyTheQuotasTheyName() {
        QuotaLimits defaults = QuotaLimits.of(configured());
        QuotaLimits tenant =
                defaults.with(Map.of(QuotaLimits.CONCURRENT_REQUESTS, "1", QuotaLimits.REQUESTS_PER_SECOND, "0.5"));
        assertEquals(new QuotaLimits(0.5, 6000, 1, 8, 512, 10, 1L << 30, 100L << 20), tenant);
        assertEquals(QuotaLimits.of(configured()), defaults, "the defaults are unchanged");
        assertEquals(defaults, defaults.with(Map.of()));
    }

    @Test
    void anOverrideIsCheckedLikeTheDefaults() {
        QuotaLimits defaults = QuotaLimits.of(configured());
        assertRefused("unknown quotas [concurrency]", () -> defaults.with(Map.of("concurrency", "2")));
        assertRefused("a quota is not a number", () -> defaults.with(Map.of(QuotaLimits.ADAPTERS, "many")));
        assertRefused("quotas must be positive", () -> defaults.with(Map.of(QuotaLimits.MAX_NEW_TOKENS, "0")));
    }

    @Test
    void theLimitsByNameReadBackAsTheSameLimits() {
        QuotaLimits limits = new QuotaLimits(0.25, 123_456_789_012L, 3, 0, 77, 0, 0, 5);
        assertEquals(limits, QuotaLimits.of(limits.asMap()));
        assertEquals("0.25", limits.asMap().get(QuotaLimits.REQUESTS_PER_SECOND));
        assertEquals(ALL, List.copyOf(new java.util.TreeSet<>(limits.asMap().keySet())));
    }
}
