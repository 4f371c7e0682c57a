package io.swapgate.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives a serving path ({@link Target}: the gateway over gRPC, or the engine in-process) with a workload: prompts,
 * output lengths drawn uniformly from a range, adapter sets and API keys mixed per request. Closed loop keeps
 * {@code streams} requests open (each starts the next when it ends); open loop starts requests at a fixed rate
 * whatever is still running. Every request's pieces are timed as they arrive.
 */
final class LoadGenerator {

    /** One request to send. */
    record Request(int index, String prompt, int maxTokens, List<String> adapters, String apiKey) {}

    /** Where requests go: calls {@code observer} for each piece of output and once at the end. */
    interface Target {
        void start(Request request, Observer observer);
    }

    interface Observer {
        void piece(int tokens);

        void finished(String error);
    }

    /**
     * What to send.
     *
     * @param adapterSets each request uses one of these (an empty set: the base model), round robin
     */
    record Workload(
            List<String> prompts,
            int minTokens,
            int maxTokens,
            List<List<String>> adapterSets,
            List<String> apiKeys,
            long seed) {

        Request request(int index, SplittableRandom random) {
            return new Request(
                    index,
                    prompts.get(random.nextInt(prompts.size())),
                    minTokens + random.nextInt(maxTokens - minTokens + 1),
                    adapterSets.get(index % adapterSets.size()),
                    apiKeys.get(index % apiKeys.size()));
        }
    }

    /** A request as it went: when it started, when each piece arrived with how many tokens, when it ended. */
    static final class Trace implements Observer {
        final long started = System.nanoTime();
        final List<long[]> pieces = Collections.synchronizedList(new ArrayList<>());
        volatile long ended;
        volatile String error;
        private final Runnable onEnd;

        Trace(Runnable onEnd) {
            this.onEnd = onEnd;
        }

        @Override
        public void piece(int tokens) {
            if (tokens > 0) {
                pieces.add(new long[] {System.nanoTime(), tokens});
            }
        }

        @Override
        public void finished(String failure) {
            error = failure;
            ended = System.nanoTime();
            onEnd.run();
        }

        int tokens() {
            return pieces.stream().mapToInt(p -> (int) p[1]).sum();
        }
    }

    private LoadGenerator() {}

    /** Keeps {@code streams} requests open until {@code requests} have been sent; returns their traces. */
    static List<Trace> closedLoop(Target target, Workload workload, int streams, int requests)
            throws InterruptedException {
        List<Trace> traces = Collections.synchronizedList(new ArrayList<>());
        SplittableRandom random = new SplittableRandom(workload.seed());
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(requests);
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            int index = sent.getAndIncrement();
            if (index >= requests) {
                return;
            }
            Request request;
            synchronized (random) {
                request = workload.request(index, random);
            }
            Trace trace = new Trace(() -> {
                done.countDown();
                next[0].run();
            });
            traces.add(trace);
            target.start(request, trace);
        };
        for (int s = 0; s < streams; s++) {
            next[0].run();
        }
        if (!done.await(30, TimeUnit.MINUTES)) {
            throw new AssertionError("the closed-loop run did not finish");
        }
        return new ArrayList<>(traces);
    }

    /** Starts a request every {@code 1 / rate} seconds for {@code duration}, then waits for all to end. */
    static List<Trace> openLoop(Target target, Workload workload, double ratePerSecond, Duration duration)
            throws InterruptedException {
        int requests = (int) Math.round(ratePerSecond * duration.toNanos() / 1e9);
        List<Trace> traces = Collections.synchronizedList(new ArrayList<>());
        SplittableRandom random = new SplittableRandom(workload.seed());
        CountDownLatch done = new CountDownLatch(requests);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try {
            long interval = (long) (1e9 / ratePerSecond);
            for (int i = 0; i < requests; i++) {
                Request request = workload.request(i, random);
                var unused = clock.schedule(
                        () -> {
                            Trace trace = new Trace(done::countDown);
                            traces.add(trace);
                            target.start(request, trace);
                        },
                        i * interval,
                        TimeUnit.NANOSECONDS);
            }
            if (!done.await(30, TimeUnit.MINUTES)) {
                throw new AssertionError("the open-loop run did not finish");
            }
        } finally {
            clock.shutdownNow();
        }
        return new ArrayList<>(traces);
    }
}
