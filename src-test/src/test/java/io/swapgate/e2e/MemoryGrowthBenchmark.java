package io.swapgate.e2e;

import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The packaged gateway's resident memory over a long run of mixed traffic ({@code ./swapgate bench soak}, 10 minutes
 * unless {@code -Dsoak.minutes} says otherwise): rounds of 32 concurrent streams on stories260K over gRPC, each stream
 * with one of six adapter choices (none, LoRAs of ranks 4 and 16, a DyLoRA served below its rank, a LoRA with a
 * TempNet, two LoRAs blended), greedy or sampled, and every fourth one with a prompt long enough to be prefilled in
 * chunks among decoding rows. Resident memory (RSS, which counts libtorch's native tensors, unlike the heap) is sampled
 * every 30 s; growth is measured from the end of warm-up (2 minutes) to the end, where every slot, adapter and path
 * has been used many times over. Writes soak.md and soak.png to {@code src-test/target/bench/}.
 */
class MemoryGrowthBenchmark {

    private static final int STREAMS = 32;
    private static final int MAX_NEW_TOKENS = 120;
    private static final long SAMPLE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final double WARM_UP_MINUTES = 2;
    private static final List<List<String>> ADAPTER_CHOICES = List.of(
            List.of(),
            List.of("demo/small@stable"),
            List.of("demo/large@stable"),
            List.of("demo/dyn@stable"),
            List.of("demo/small@stable", "demo/temper@stable"),
            List.of("demo/small:0.5", "demo/large:0.5"));
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Ben", "The cat sat", "One day, a little boy"
    };
    /** About 250 tokens of stories260K's vocabulary: four prefill chunks at the default budget of 64. */
    private static final String LONG_PROMPT = ("Once upon a time, there was a little girl named Lily. She liked to play"
                    + " in the park with her friend Ben. One day they saw a big red ball under a tree. ")
            .repeat(4);

    /** What the gateway held at one moment: resident memory, and the parts of it the JVM's pools account for. */
    private record Sample(
            double minutes, long tokens, double residentMib, double heapCommittedMib, double nonHeapCommittedMib) {
        static Sample of(GatewayProcess gateway, long started, long tokens) throws Exception {
            return new Sample(
                    (System.nanoTime() - started) / 60e9,
                    tokens,
                    gateway.residentKib() / 1024.0,
                    gateway.heapCommittedBytes() / 1048576.0,
                    gateway.nonHeapCommittedBytes() / 1048576.0);
        }

        /**
         * Resident memory the JVM's pools do not account for: libtorch's tensors, malloc's arenas, thread stacks,
         * the JVM's own structures (a pool's committed memory counts whether touched or not, so this is a floor).
         */
        double nativeMib() {
            return residentMib - heapCommittedMib - nonHeapCommittedMib;
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "soak")
    @Timeout(value = 40, unit = TimeUnit.MINUTES) // soak.minutes up to 30, plus start-up and uploads
    void residentMemoryOfMixedTrafficOverTenMinutes() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("soak.minutes", "10"));
        List<Sample> samples = new ArrayList<>();
        Path work = Files.createTempDirectory("swapgate-soak");
        try (GatewayProcess gateway = GatewayProcess.start(
                "soak",
                E2e.stories260K(),
                Files.createDirectory(work.resolve("registry")),
                GatewayProcess.withUnreachableQuotas(Map.of()))) {
            TestAdapters files = new TestAdapters(work);
            TestAdapters.upload(gateway.channel(), files.lora(21, 4), "demo/small", "stable");
            TestAdapters.upload(gateway.channel(), files.lora(22, 16), "demo/large", "stable");
            TestAdapters.upload(gateway.channel(), files.dyLora(23, 8, 2), "demo/dyn", "stable");
            TestAdapters.upload(gateway.channel(), files.tempNet(24), "demo/temper", "stable");
            InferenceGrpc.InferenceStub stub = InferenceGrpc.newStub(gateway.channel());
            long started = System.nanoTime();
            long nextSample = started;
            long tokens = 0;
            for (int round = 0; System.nanoTime() - started < minutes * 60e9; round++) {
                if (System.nanoTime() >= nextSample) {
                    samples.add(Sample.of(gateway, started, tokens));
                    nextSample += SAMPLE_EVERY_NANOS;
                }
                tokens += ServingBenchmark.runRound(stub, requests(round)).stream()
                        .mapToLong(ServingBenchmark.StreamTiming::tokens)
                        .sum();
            }
            samples.add(Sample.of(gateway, started, tokens));
        } finally {
            E2e.deleteTree(work);
        }
        report(samples);
    }

    /** Round {@code round}'s streams: adapters, prompt length and sampling all vary by stream and round. */
    private static List<GenerateRequest> requests(int round) {
        List<GenerateRequest> requests = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            int n = round * STREAMS + i;
            GenerateRequest.Builder request = GenerateRequest.newBuilder()
                    .setPrompt(i % 4 == 3 ? LONG_PROMPT : PROMPTS[n % PROMPTS.length])
                    .setMaxNewTokens(MAX_NEW_TOKENS)
                    .addAllAdapters(ADAPTER_CHOICES.get(n % ADAPTER_CHOICES.size()))
                    .setSampling(
                            i % 2 == 0
                                    ? SamplingParams.newBuilder().setTemperature(0f)
                                    : SamplingParams.newBuilder()
                                            .setTemperature(0.8f)
                                            .setTopP(0.95f)
                                            .setSeed(n));
            requests.add(request.build());
        }
        return requests;
    }

    private static double[][] xy(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
        return new double[][] {
            samples.stream().mapToDouble(Sample::minutes).toArray(),
            samples.stream().mapToDouble(value).toArray()
        };
    }

    /** Least-squares MiB per minute of {@code value} over the samples from {@code from} on. */
    private static double slope(List<Sample> samples, Sample from, java.util.function.ToDoubleFunction<Sample> value) {
        List<Sample> after = samples.subList(samples.indexOf(from), samples.size());
        double meanX = after.stream().mapToDouble(Sample::minutes).average().orElseThrow();
        double meanY = after.stream().mapToDouble(value).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (Sample s : after) {
            covariance += (s.minutes() - meanX) * (value.applyAsDouble(s) - meanY);
            variance += (s.minutes() - meanX) * (s.minutes() - meanX);
        }
        return variance == 0 ? 0 : covariance / variance;
    }

    private static void report(List<Sample> samples) throws java.io.IOException {
        Sample warm = samples.stream()
                .filter(s -> s.minutes() >= WARM_UP_MINUTES)
                .findFirst()
                .orElse(samples.get(0));
        Sample last = samples.get(samples.size() - 1);
        double peak = samples.stream().mapToDouble(Sample::residentMib).max().orElseThrow();
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "Resident memory under mixed traffic: stories260K over gRPC, %d concurrent streams per round, six"
                        + " adapter choices, greedy and sampled, a quarter of prompts prefilled in chunks (%d cores)%n%n"
                        + "| minute | tokens served | gateway RSS MiB | JVM heap committed MiB | JVM non-heap committed MiB"
                        + " | RSS outside both MiB |%n|---:|---:|---:|---:|---:|---:|%n",
                STREAMS,
                Runtime.getRuntime().availableProcessors()));
        for (Sample s : samples) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %.1f | %d | %.1f | %.1f | %.1f | %.1f |%n",
                    s.minutes(),
                    s.tokens(),
                    s.residentMib(),
                    s.heapCommittedMib(),
                    s.nonHeapCommittedMib(),
                    s.nativeMib()));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nAfter warm-up (minute %.1f to %.1f, %d tokens): RSS %+.1f MiB (heap %+.1f, non-heap %+.1f, outside"
                        + " both %+.1f); least-squares slope over those samples %+.2f MiB per minute (outside both %+.2f);"
                        + " peak RSS %.1f MiB.%n",
                warm.minutes(),
                last.minutes(),
                last.tokens() - warm.tokens(),
                last.residentMib() - warm.residentMib(),
                last.heapCommittedMib() - warm.heapCommittedMib(),
                last.nonHeapCommittedMib() - warm.nonHeapCommittedMib(),
                last.nativeMib() - warm.nativeMib(),
                slope(samples, warm, Sample::residentMib),
                slope(samples, warm, Sample::nativeMib),
                peak));
        System.out.println(md);
        Path dir = Files.createDirectories(E2e.targetDir().resolve("bench"));
        Files.writeString(dir.resolve("soak.md"), md);
        Charts.lines(
                dir.resolve("soak.png"),
                "Gateway resident memory under mixed traffic (stories260K, 32 streams, gRPC)",
                "minutes",
                "RSS MiB",
                false,
                new java.util.TreeMap<>(Map.of(
                        "gateway RSS",
                        xy(samples, Sample::residentMib),
                        "RSS outside the JVM's heap and non-heap",
                        xy(samples, Sample::nativeMib))));
        System.out.println("wrote " + dir.resolve("soak.md") + " and soak.png");
    }
}
