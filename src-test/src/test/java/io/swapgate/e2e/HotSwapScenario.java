package io.swapgate.e2e;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GenerateRequest;
import io.swapgate.proto.v1.GenerateStreamResponse;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.PromoteRequest;
import io.swapgate.proto.v1.SamplingParams;
import io.swapgate.proto.v1.UploadManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Streams against {@code NAME@stable} run in a loop while new versions are uploaded and promoted one after another.
 * Versions are uploaded pre-warmed (into the host cache). After each promotion a probe request is sent at once: its
 * time to first token is the publish-to-serving latency, and it must report the new version. Every response is recorded with the version it reports.
 */
final class HotSwapScenario {

    static final String PROMPT = "Once upon a time";
    static final int TOKENS = 24;

    /** One response: the version it reports and its tokens, or the failure it ended with. */
    record Served(String version, List<Integer> tokens, String failure) {}

    /**
     * @param controlLatenciesMs time to first token of a request sent just before each promotion: the same load
     *                           without a swap, to tell the swap's cost from the load's
     */
    record Result(
            List<Served> served,
            List<String> promoted,
            List<Double> swapLatenciesMs,
            List<Double> controlLatenciesMs,
            List<String> staleProbes) {

        List<Served> failures() {
            return served.stream().filter(s -> s.failure() != null).toList();
        }
    }

    private HotSwapScenario() {}

    /** A gateway on stories260K whose quotas the streams cannot reach: the swap, not the quota, is under test. */
    static GatewayProcess startGateway(String name) throws java.io.IOException, InterruptedException {
        return GatewayProcess.start(
                name,
                E2e.stories260K(),
                GatewayProcess.registryDir(name),
                GatewayProcess.withUnreachableQuotas(java.util.Map.of()));
    }

    static Result run(GatewayProcess gateway, String name, int swaps, int streams, Path work) throws Exception {
        TestAdapters adapters = new TestAdapters(work);
        String first = TestAdapters.upload(gateway.channel(), adapters.lora(0, 4), name, "stable");
        List<Served> served = Collections.synchronizedList(new ArrayList<>());
        List<String> promoted = new ArrayList<>(List.of(first));
        List<Double> latencies = new ArrayList<>();
        List<Double> controls = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<StreamLoop> loops = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            StreamLoop loop = new StreamLoop(gateway, name + "@stable", running, served);
            loop.next();
            loops.add(loop);
        }
        try {
            AdaptersGrpc.AdaptersBlockingStub admin =
                    AdaptersGrpc.newBlockingStub(gateway.channel()).withDeadlineAfter(5, TimeUnit.MINUTES);
            for (int i = 1; i <= swaps; i++) {
                // Pre-warmed, as a deployment pipeline would publish: the swap then costs no file read.
                String version = TestAdapters.upload(
                        gateway.channel(),
                        adapters.lora(i, 4),
                        UploadManifest.newBuilder().setName(name).setWarm(true));
                Probe control = stream(gateway, name + "@stable");
                served.add(control.served);
                controls.add(control.firstTokenMs);
                admin.promote(PromoteRequest.newBuilder()
                        .setName(name)
                        .setAlias("stable")
                        .setVersion(version)
                        .build());
                Probe probe = stream(gateway, name + "@stable");
                served.add(probe.served);
                promoted.add(version);
                if (version.equals(probe.served.version())) {
                    latencies.add(probe.firstTokenMs);
                } else {
                    stale.add("after promoting " + version + " a new request got " + probe.served);
                }
            }
        } finally {
            running.set(false);
            for (StreamLoop loop : loops) {
                loop.stopped.await(60, TimeUnit.SECONDS);
            }
        }
        return new Result(List.copyOf(served), promoted, latencies, controls, stale);
    }

    private record Probe(Served served, double firstTokenMs) {}

    /**
     * One client stream that sends its next request as soon as the last one ends, until told to stop. Callbacks run on
     * the channel's event loop, so 16 of them cost no threads of their own (the load generator shares the cores).
     */
    private static final class StreamLoop implements StreamObserver<GenerateStreamResponse> {
        final CountDownLatch stopped = new CountDownLatch(1);
        private final GatewayProcess gateway;
        private final String reference;
        private final AtomicBoolean running;
        private final List<Served> served;
        private final List<Integer> tokens = new ArrayList<>();
        private String version;

        StreamLoop(GatewayProcess gateway, String reference, AtomicBoolean running, List<Served> served) {
            this.gateway = gateway;
            this.reference = reference;
            this.running = running;
            this.served = served;
        }

        void next() {
            if (!running.get()) {
                stopped.countDown();
                return;
            }
            tokens.clear();
            version = null;
            InferenceGrpc.newStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generateStream(request(reference), this);
        }

        @Override
        public void onNext(GenerateStreamResponse m) {
            tokens.addAll(m.getTokenIdsList());
            if (m.getAdaptersCount() > 0) {
                version = m.getAdapters(0).getVersion();
            }
        }

        @Override
        public void onError(Throwable t) {
            served.add(new Served(
                    null, List.copyOf(tokens), io.grpc.Status.fromThrowable(t).toString()));
            next();
        }

        @Override
        public void onCompleted() {
            served.add(new Served(version, List.copyOf(tokens), null));
            next();
        }
    }

    /** One greedy streaming request; the clock starts when it is sent. */
    private static Probe stream(GatewayProcess gateway, String reference) {
        long sent = System.nanoTime();
        double firstToken = -1;
        List<Integer> tokens = new ArrayList<>();
        try {
            Iterator<GenerateStreamResponse> it = InferenceGrpc.newBlockingStub(gateway.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .generateStream(request(reference));
            String version = null;
            while (it.hasNext()) {
                GenerateStreamResponse m = it.next();
                if (firstToken < 0 && m.getTokenIdsCount() > 0) {
                    firstToken = (System.nanoTime() - sent) / 1e6;
                }
                tokens.addAll(m.getTokenIdsList());
                if (m.getAdaptersCount() > 0) {
                    version = m.getAdapters(0).getVersion();
                }
            }
            return new Probe(new Served(version, tokens, null), firstToken);
        } catch (StatusRuntimeException e) {
            return new Probe(new Served(null, tokens, e.getStatus().toString()), firstToken);
        }
    }

    static GenerateRequest request(String reference) {
        return GenerateRequest.newBuilder()
                .setPrompt(PROMPT)
                .setMaxNewTokens(TOKENS)
                .setSampling(SamplingParams.newBuilder().setTemperature(0))
                .addAdapters(reference)
                .build();
    }
}
