package io.swapgate.core.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.core.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineTest {

    private static final String[] PROMPTS = {
        "Once upon a time",
        "Lily and Ben",
        "The cat sat",
        "One day, a little boy",
        "She was sad because",
        "Tom liked to"
    };
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestModels.stories());
    }

    private static GenerationRequest request(int i) {
        SamplingParams sampling = i % 2 == 0
                ? SamplingParams.greedy()
                : SamplingParams.sampled(0.8f, 1000 + i)
                        .withTopK(i % 3 == 0 ? 40 : 0)
                        .withTopP(i % 5 == 0 ? 0.9f : 1f);
        return GenerationRequest.builder("r" + i, PROMPTS[i % PROMPTS.length], 10 + (i * 7) % 70)
                .sampling(sampling)
                .build();
    }

    @Test
    void concurrentRequestsGetExactlyWhatTheyGetAlone() throws Exception {
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().maxBatchSize(32).build())) {
            List<Completion> alone = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(request(i), listener);
                alone.add(listener.result().get(60, TimeUnit.SECONDS));
            }
            List<CompletableFuture<Completion>> together = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(request(i), listener);
                together.add(listener.result());
            }
            for (int i = 0; i < 32; i++) {
                Completion batched = together.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(alone.get(i).text(), batched.text(), "request " + i);
                assertArrayEquals(alone.get(i).tokenIds(), batched.tokenIds(), "request " + i);
                assertEquals(alone.get(i).finishReason(), batched.finishReason(), "request " + i);
            }
            assertTrue(serving.engine.stats().steps() < 32 * 80, "requests should have shared steps");
        }
    }

    /**
     * Submitting and reading stats from many threads while the engine steps never touches the engine thread's state:
     * submit used to publish stats on the caller's thread, copying the running list as the engine changed it
     * (HotSwapIT met the NullPointerException that made).
     */
    @Test
    void submitAndStatsFromManyThreadsWhileTheEngineSteps() throws Exception {
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().queueCapacity(256).build())) {
            java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<List<CompletableFuture<Completion>>>> submitted = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    submitted.add(callers.submit(() -> {
                        List<CompletableFuture<Completion>> mine = new ArrayList<>();
                        for (int i = 0; i < 16; i++) {
                            CollectingListener listener = new CollectingListener();
                            serving.engine.submit(request(thread * 16 + i), listener);
                            EngineStats stats = serving.engine.stats();
                            assertTrue(stats.running() + stats.freeSlots() == 8, "a consistent snapshot: " + stats);
                            mine.add(listener.result());
                        }
                        return mine;
                    }));
                }
                for (var future : submitted) {
                    for (CompletableFuture<Completion> completion : future.get(120, TimeUnit.SECONDS)) {
                        assertTrue(completion.get(120, TimeUnit.SECONDS).tokenIds().length > 0);
                    }
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void sameSeedSameOutputAndOtherSeedsDiffer() throws Exception {
        try (ServingFixture serving = new ServingFixture(model)) {
            Completion a = serving.generate("Once upon a time", 60, SamplingParams.sampled(1.0f, 42));
            Completion b = serving.generate("Once upon a time", 60, SamplingParams.sampled(1.0f, 42));
            assertEquals(a.text(), b.text());
            List<String> others = new ArrayList<>();
            for (long seed = 1; seed <= 3; seed++) {
                others.add(serving.generate("Once upon a time", 60, SamplingParams.sampled(1.0f, seed))
                        .text());
            }
            assertTrue(others.stream().anyMatch(t -> !t.equals(a.text())), "sampling ignores the seed");
            Completion topOne = serving.generate(
                    "Once upon a time", 40, SamplingParams.sampled(1.0f, 7).withTopK(1));
            assertEquals(serving.greedy("Once upon a time", 40).text(), topOne.text(), "top_k=1 must equal greedy");
        }
    }

    @Test
    void stopStringEndsGenerationAndIsNotEmitted() throws Exception {
        try (ServingFixture serving = new ServingFixture(model)) {
            Completion completion = serving.generate(
                    "Once upon a time", 60, SamplingParams.greedy().withStop(List.of("Lily", "zebra")));
            assertEquals(", there was a little girl named ", completion.text());
            assertEquals(FinishReason.STOP, completion.finishReason());
        }
    }

    @Test
    void repetitionPenaltyChangesGreedyOutput() throws Exception {
        try (ServingFixture serving = new ServingFixture(model)) {
            Completion plain = serving.greedy("Once upon a time", 60);
            Completion penalised = serving.generate(
                    "Once upon a time", 60, SamplingParams.greedy().withRepetitionPenalty(1.5f));
            assertNotEquals(plain.text(), penalised.text());
        }
    }

    @Test
    void cancellingARunningRequestFreesItsSlotAndCache() throws Exception {
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().maxBatchSize(2).queueCapacity(4).build())) {
            SignallingListener listener = new SignallingListener();
            GenerationHandle handle = startLongRequest(serving, listener);
            assertEquals(1, serving.engine.stats().running());
            handle.cancel();
            assertEquals(
                    FinishReason.CANCELLED,
                    listener.collected.result().get(30, TimeUnit.SECONDS).finishReason());
            EngineStats stats = serving.engine.stats();
            assertEquals(2, stats.freeSlots());
            assertEquals(0, stats.running());
            assertEquals(0, stats.cachedTokens());
            // The freed slot serves the next request correctly.
            assertTrue(TestModels.STORIES_REFERENCE.startsWith(
                    serving.greedy("Once upon a time", 30).text()));
        }
    }

    @Test
    void fullQueueIsRefusedImmediately() throws Exception {
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().maxBatchSize(1).queueCapacity(1).build())) {
            SignallingListener first = new SignallingListener();
            GenerationHandle running = startLongRequest(serving, first);
            CollectingListener queued = new CollectingListener();
            serving.engine.submit(
                    GenerationRequest.builder("b", "Once upon a time", 5).build(), queued);
            assertEquals(1, serving.engine.stats().queued());
            assertThrows(
                    QueueFullException.class,
                    () -> serving.engine.submit(
                            GenerationRequest.builder("c", "Once upon a time", 5)
                                    .build(),
                            new CollectingListener()));
            running.cancel();
            assertEquals(
                    FinishReason.CANCELLED,
                    first.collected.result().get(30, TimeUnit.SECONDS).finishReason());
            assertEquals(
                    FinishReason.LENGTH,
                    queued.result().get(30, TimeUnit.SECONDS).finishReason());
        }
    }

    @Test
    void pastDeadlineEndsTheRequest() throws Exception {
        try (ServingFixture serving = new ServingFixture(model)) {
            CollectingListener listener = new CollectingListener();
            serving.engine.submit(
                    GenerationRequest.builder("late", "Once upon a time", 100)
                            .deadlineNanos(System.nanoTime() - 1)
                            .build(),
                    listener);
            assertEquals(
                    FinishReason.DEADLINE,
                    listener.result().get(30, TimeUnit.SECONDS).finishReason());
        }
    }

    @Test
    void invalidRequestsAreRefusedWithTheReason() {
        try (ServingFixture serving = new ServingFixture(model)) {
            assertInvalid(serving, GenerationRequest.builder("x", "", 10).build(), "prompt must not be empty");
            assertInvalid(serving, GenerationRequest.builder("x", "hi", 0).build(), "max_new_tokens must be positive");
            assertInvalid(serving, GenerationRequest.builder("x", "hi", 600).build(), "exceeds the model's context");
            assertInvalid(
                    serving,
                    GenerationRequest.builder("x", "hi ".repeat(200), 400).build(),
                    "plus max_new_tokens");
            assertInvalid(
                    serving,
                    GenerationRequest.builder("x", "x".repeat(100_000), 10).build(),
                    "far longer");
            assertInvalid(serving, withSampling(SamplingParams.sampled(Float.NaN, 0)), "temperature");
            assertInvalid(serving, withSampling(SamplingParams.sampled(1f, 0).withTopK(-1)), "top_k");
            assertInvalid(serving, withSampling(SamplingParams.sampled(1f, 0).withTopP(1.5f)), "top_p");
            assertInvalid(
                    serving,
                    withSampling(SamplingParams.sampled(1f, 0).withRepetitionPenalty(-2f)),
                    "repetition_penalty");
            assertInvalid(
                    serving,
                    withSampling(SamplingParams.sampled(1f, 0).withStop(java.util.Collections.nCopies(17, "a"))),
                    "stop strings");
            assertEquals(0, serving.engine.stats().queued());
        }
    }

    /** Submits a 500-token request and returns once its first text arrived, so it surely holds a slot. */
    private static GenerationHandle startLongRequest(ServingFixture serving, SignallingListener listener)
            throws InterruptedException {
        GenerationHandle handle = serving.engine.submit(
                GenerationRequest.builder("long", "Once upon a time", 500).build(), listener);
        assertTrue(listener.started.await(30, TimeUnit.SECONDS), "the long request never started");
        return handle;
    }

    @Test
    void drainingRefusesNewRequestsAndLetsEveryAdmittedOneFinish() throws Exception {
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().maxBatchSize(2).queueCapacity(8).build())) {
            List<CompletableFuture<Completion>> admitted = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // two run, two wait in the queue
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(
                        GenerationRequest.builder("d" + i, "Once upon a time", 60)
                                .build(),
                        listener);
                admitted.add(listener.result());
            }
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return serving.engine.drain(java.time.Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // drain() flips it as its first act, on the other thread
            await("drain starts")
                    .atMost(java.time.Duration.ofSeconds(30))
                    .pollInterval(java.time.Duration.ofMillis(1))
                    .until(() -> !serving.engine.alive());
            assertThrows(
                    EngineClosedException.class, () -> serving.engine.submit(request(0), new CollectingListener()));
            assertTrue(drained.get(60, TimeUnit.SECONDS), "everything admitted should finish within the grace period");
            for (CompletableFuture<Completion> f : admitted) {
                assertEquals(FinishReason.LENGTH, f.get(1, TimeUnit.SECONDS).finishReason());
            }
        }
    }

    @Test
    void drainRightAfterSubmitWaitsForTheRequestTheEngineHasNotYetSeen() throws Exception {
        try (ServingFixture serving =
                new ServingFixture(model, EngineConfig.builder().build())) {
            CollectingListener listener = new CollectingListener();
            serving.engine.submit(
                    GenerationRequest.builder("late", "Once upon a time", 20).build(), listener);
            // The engine thread may not have taken the request off the queue, nor published stats that count it.
            assertTrue(serving.engine.drain(java.time.Duration.ofSeconds(60)));
            assertEquals(
                    FinishReason.LENGTH,
                    listener.result().get(1, TimeUnit.SECONDS).finishReason());
        }
    }

    /** Collects a request's output and signals its first piece of text. */
    private static final class SignallingListener implements GenerationListener {
        final CountDownLatch started = new CountDownLatch(1);
        final CollectingListener collected = new CollectingListener();

        @Override
        public void onText(TextChunk chunk) {
            collected.onText(chunk);
            started.countDown();
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            collected.onFinish(reason, usage);
        }

        @Override
        public void onError(Throwable error) {
            collected.onError(error);
        }
    }

    private static GenerationRequest withSampling(SamplingParams sampling) {
        return GenerationRequest.builder("x", "hi", 10).sampling(sampling).build();
    }

    private static void assertInvalid(ServingFixture serving, GenerationRequest request, String reason) {
        InvalidRequestException e = assertThrows(
                InvalidRequestException.class, () -> serving.engine.submit(request, new CollectingListener()));
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
    }
}
