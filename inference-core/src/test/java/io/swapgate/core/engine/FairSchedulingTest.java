package io.swapgate.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.ServingFixture;
import io.swapgate.core.TestModels;
import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batch slots shared between tenants by weight, with preemption, on the real stories260K model. */
class FairSchedulingTest {

    private static final String[] PROMPTS = {"Once upon a time", "Lily and Ben", "The cat sat", "One day, a little boy"
    };
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestModels.stories());
    }

    private static GenerationRequest request(String tenant, int i, int maxNewTokens) {
        return GenerationRequest.builder(tenant + i, PROMPTS[i % PROMPTS.length], maxNewTokens)
                .tenant(tenant)
                .build();
    }

    @Test
    void oneRequestOfAQuietTenantDoesNotWaitBehindANoisyTenantsQueue() throws Exception {
        try (ServingFixture serving =
                new ServingFixture(model, EngineConfig.builder().maxBatchSize(4).build())) {
            List<Completion> alone = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) {
                alone.add(serving.greedy(PROMPTS[i], 80));
            }
            List<CompletableFuture<Completion>> noisy = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(request("noisy", i, 80), listener);
                noisy.add(listener.result());
            }
            CollectingListener quiet = new CollectingListener();
            long stepsBefore = serving.engine.stats().steps();
            serving.engine.submit(request("quiet", 0, 5), quiet);
            assertEquals(
                    FinishReason.LENGTH,
                    quiet.result().get(60, TimeUnit.SECONDS).finishReason());
            // In FIFO order quiet would wait for 12 of noisy's 80-token requests (hundreds of steps); its 5 tokens
            // take one prefill and four decode steps, give or take the steps that admit noisy requests meanwhile.
            long quietSteps = serving.engine.stats().steps() - stepsBefore;
            assertTrue(quietSteps <= 20, "quiet's 5 tokens took " + quietSteps + " engine steps");
            for (int i = 0; i < noisy.size(); i++) {
                Completion c = noisy.get(i).get(60, TimeUnit.SECONDS);
                Completion expected = alone.get(i % PROMPTS.length);
                assertArrayEquals(
                        expected.tokenIds(), c.tokenIds(), "noisy " + i + " (preempted ones recompute their cache)");
                assertEquals(expected.text(), c.text(), "noisy " + i);
            }
        }
    }

    @Test
    void slotsAreSplitByWeight() throws Exception {
        TenantPolicy weights = policy(Map.of("gold", 3.0, "bronze", 1.0), Integer.MAX_VALUE);
        try (ServingFixture serving =
                new ServingFixture(model, EngineConfig.builder().maxBatchSize(4).build(), weights)) {
            AtomicInteger goldDone = new AtomicInteger();
            AtomicInteger bronzeDone = new AtomicInteger();
            CompletableFuture<Integer> bronzeWhenGoldFinished = new CompletableFuture<>();
            List<CompletableFuture<Completion>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                for (String tenant : List.of("gold", "bronze")) {
                    CollectingListener listener = new CollectingListener();
                    serving.engine.submit(request(tenant, i, 30), listener);
                    all.add(listener.result().whenComplete((c, e) -> {
                        if (tenant.equals("bronze")) {
                            bronzeDone.incrementAndGet();
                        } else if (goldDone.incrementAndGet() == 12) {
                            bronzeWhenGoldFinished.complete(bronzeDone.get());
                        }
                    }));
                }
            }
            for (CompletableFuture<Completion> f : all) {
                assertEquals(FinishReason.LENGTH, f.get(60, TimeUnit.SECONDS).finishReason());
            }
            // 3:1 slots: gold's 12 requests take about 4 rounds of the batch, in which bronze finishes about 4.
            int bronzeByThen = bronzeWhenGoldFinished.get(1, TimeUnit.SECONDS);
            assertTrue(bronzeByThen <= 6, "bronze finished " + bronzeByThen + " of 12 while gold finished 12");
        }
    }

    @Test
    void aTenantsQueueLimitRefusesOnlyThatTenantAndAFullBatchMakesRoomForAnother() throws Exception {
        TenantPolicy limits = policy(Map.of(), 2);
        try (ServingFixture serving = new ServingFixture(
                model, EngineConfig.builder().maxBatchSize(2).queueCapacity(16).build(), limits)) {
            Completion alone = serving.generate(request("noisy", 0, 300));
            CountDownLatch started = new CountDownLatch(2);
            List<CollectingListener> longOnes = new ArrayList<>();
            for (int i : new int[] {0, 4}) { // the same prompt: both should give the output alone gives
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(request("noisy", i, 300), signalling(listener, started));
                longOnes.add(listener);
            }
            assertTrue(started.await(30, TimeUnit.SECONDS), "noisy's first two requests never started");
            List<CompletableFuture<Completion>> queued = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                CollectingListener listener = new CollectingListener();
                serving.engine.submit(request("noisy", i, 5), listener);
                queued.add(listener.result());
            }
            QueueFullException refused = assertThrows(
                    QueueFullException.class,
                    () -> serving.engine.submit(request("noisy", 3, 5), new CollectingListener()));
            assertEquals("noisy", refused.tenant());
            assertTrue(refused.getMessage().contains("queued-requests"), refused.getMessage());
            CollectingListener quiet = new CollectingListener();
            serving.engine.submit(request("quiet", 0, 5), quiet);
            assertEquals(
                    FinishReason.LENGTH,
                    quiet.result().get(60, TimeUnit.SECONDS).finishReason());
            // Noisy held both slots: one was taken back for quiet, and that request recomputed its cache later.
            assertTrue(
                    serving.engine.stats().preemptions() >= 1, "quiet should have preempted one of noisy's requests");
            for (CollectingListener listener : longOnes) {
                assertArrayEquals(
                        alone.tokenIds(),
                        listener.result().get(60, TimeUnit.SECONDS).tokenIds(),
                        "a preempted request must go on exactly as it would have");
            }
            for (CompletableFuture<Completion> f : queued) {
                assertEquals(FinishReason.LENGTH, f.get(60, TimeUnit.SECONDS).finishReason());
            }
        }
    }

    /** Passes everything on to {@code listener} and counts down at the first text. */
    private static GenerationListener signalling(CollectingListener listener, CountDownLatch started) {
        return new GenerationListener() {
            private boolean first = true;

            @Override
            public void onText(TextChunk chunk) {
                listener.onText(chunk);
                if (first) {
                    first = false;
                    started.countDown();
                }
            }

            @Override
            public void onFinish(FinishReason reason, Usage usage) {
                listener.onFinish(reason, usage);
            }

            @Override
            public void onError(Throwable error) {
                listener.onError(error);
            }
        };
    }

    private static TenantPolicy policy(Map<String, Double> weights, int maxQueued) {
        return new TenantPolicy() {
            @Override
            public double weight(String tenant) {
                return weights.getOrDefault(tenant, 1.0);
            }

            @Override
            public int maxQueued(String tenant) {
                return maxQueued;
            }
        };
    }
}
