package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.proto.v1.InferenceGrpc;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Live hot swap on the packaged gateway: 16 streams keep asking for {@code tenant/a@stable} while 25 versions (50 in the
 * reliability suite) are
 * published and promoted one after another. Nothing fails, every response's tokens are exactly those of the version it
 * reports, and a request sent after a promotion returns gets the new version.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HotSwapIT {

    /** 25 promotions in the build, 50 with {@code -Dreliability=full}. */
    private static final int PROMOTIONS = Reliability.pick(25, 50);

    @Test
    void promotionsUnderSixteenStreamsFailNothingAndMixNothing() throws Exception {
        String tenant = "swap" + Long.toString(System.nanoTime(), 36);
        try (GatewayProcess gateway = HotSwapScenario.startGateway("hotswap")) {
            HotSwapScenario.Result result = HotSwapScenario.run(
                    gateway,
                    tenant + "/a",
                    PROMOTIONS,
                    16,
                    E2e.targetDir().resolve("e2e-work").resolve(tenant));
            assertEquals(List.of(), result.failures(), "failed requests");
            assertEquals(List.of(), result.staleProbes(), "requests after a promotion that got an older version");
            assertTrue(
                    result.served().size() > 2 * PROMOTIONS,
                    "only " + result.served().size() + " requests ran");

            // What each version gives, asked for by exact version once all swapping is over.
            var stub = InferenceGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
            Map<String, List<Integer>> expected = new HashMap<>();
            for (String version : result.promoted()) {
                expected.put(
                        version,
                        stub.generate(HotSwapScenario.request(tenant + "/a@" + version))
                                .getTokenIdsList());
            }
            long distinctOutputs = expected.values().stream().distinct().count();
            // Random LoRAs on a tiny model sometimes agree on a greedy continuation; most must differ for mixing to
            // show.
            assertTrue(
                    distinctOutputs > result.promoted().size() / 3,
                    "the versions should differ in output, got " + distinctOutputs + " distinct of "
                            + result.promoted().size());
            for (HotSwapScenario.Served served : result.served()) {
                assertTrue(expected.containsKey(served.version()), "unknown version reported: " + served);
                assertEquals(
                        expected.get(served.version()),
                        served.tokens(),
                        "tokens of a response reporting " + served.version());
            }
            long versionsSeenByStreams = result.served().stream()
                    .map(HotSwapScenario.Served::version)
                    .distinct()
                    .count();
            System.out.printf(
                    "hot swap: %d responses over %d versions, 0 failed; publish-to-serving p50 %.1f ms%n",
                    result.served().size(), versionsSeenByStreams, percentile(result.swapLatenciesMs(), 0.5));
        }
    }

    static double percentile(List<Double> values, double p) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }
}
