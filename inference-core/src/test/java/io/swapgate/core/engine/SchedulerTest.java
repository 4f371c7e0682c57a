package io.swapgate.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scheduler's decisions on plain requests: no model, no engine thread, time given as numbers. */
class SchedulerTest {

    private static final long NOW = 1_000;

    @Test
    void freeSlotsGoToQueuedRequestsAndFreedSlotsAreReused() {
        Scheduler<Request> scheduler = scheduler(3, 1000, TenantPolicy.EQUAL);
        List<Request> requests = submitAll(scheduler, "a", 5, 5, 5, 5);
        StepPlan<Request> first = scheduler.schedule(NOW);
        assertEquals(3, first.admitted().size());
        assertEquals(Set.of(0, 1, 2), slots(first));
        assertEquals(requests.subList(0, 3), works(first.prefill()), "admitted requests prefill, in order");
        assertEquals(List.of(5, 5, 5), tokens(first.prefill()), "their whole prompts, within the budget");
        assertTrue(first.decode().isEmpty(), "nothing was running before: nothing decodes");
        assertEquals(1, scheduler.queued());
        run(first);

        int freed = first.admitted().get(1).slot();
        scheduler.finished(requests.get(1));
        StepPlan<Request> second = scheduler.schedule(NOW);
        assertEquals(1, second.admitted().size());
        assertSame(requests.get(3), second.admitted().get(0).work());
        assertEquals(freed, second.admitted().get(0).slot());
        assertEquals(List.of(requests.get(3)), works(second.prefill()));
        assertEquals(
                List.of(requests.get(0), requests.get(2)), second.decode(), "in the same step as the others decode");
        assertEquals(0, scheduler.freeSlots());
    }

    @Test
    void aLongPromptsChunksAreWhatTheBudgetGivesForTheStepsDecodeRows() {
        // As PrefillPacing would: the whole budget with nothing decoding, two tokens beside each decode row otherwise.
        Scheduler<Request> scheduler =
                new Scheduler<>(4, (rows, joining) -> rows == 0 ? 64 : 2 * rows, 1000, TenantPolicy.EQUAL);
        List<Request> streams = submitAll(scheduler, "a", 3, 3);
        run(scheduler.schedule(NOW));
        Request prompt = new Request("b", 100);
        scheduler.submit(prompt);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(streams, plan.decode());
        assertEquals(List.of(4), tokens(plan.prefill()), "two tokens for each of the two decode rows");
        run(plan);

        scheduler.finished(streams.get(0));
        plan = scheduler.schedule(NOW);
        assertEquals(List.of(2), tokens(plan.prefill()), "one decode row left");
        run(plan);
        scheduler.finished(streams.get(1));
        assertEquals(List.of(64), tokens(scheduler.schedule(NOW).prefill()), "nothing decodes: the whole budget");
    }

    @Test
    void theBudgetIsAskedForWithTheRequestsAFreeSlotAwaits() {
        List<List<Integer>> asked = new ArrayList<>();
        Scheduler<Request> scheduler = new Scheduler<>(
                6,
                (rows, joining) -> {
                    asked.add(List.of(rows, joining));
                    return rows == 0 ? 64 : 2;
                },
                1000,
                TenantPolicy.EQUAL);
        submitAll(scheduler, "a", 1, 1);
        run(scheduler.schedule(NOW));
        submitAll(scheduler, "b", 10, 1, 1, 1, 1, 1);
        run(scheduler.schedule(NOW));
        run(scheduler.schedule(NOW));
        assertEquals(
                List.of(List.of(0, 2), List.of(2, 4), List.of(2, 3)),
                asked,
                "2 waiting for 6 free slots; 6 waiting for 4; 5 waiting for 3 (the long prompt being fed not counted)");
    }

    @Test
    void shortPromptsCannotStarveALongOneBeingFedWhenPacingLeavesOneToken() {
        // Another tenant keeps sending short prompts while a long one is fed one token a step beside a stream.
        Scheduler<Request> scheduler =
                new Scheduler<>(8, (rows, joining) -> rows == 0 ? 64 : 1, 1000, TenantPolicy.EQUAL);
        submitAll(scheduler, "a", 2);
        run(scheduler.schedule(NOW));
        Request longPrompt = new Request("b", 100);
        scheduler.submit(longPrompt);
        run(scheduler.schedule(NOW));
        for (int step = 0; step < 5; step++) {
            scheduler.submit(new Request("c", 3));
            StepPlan<Request> plan = scheduler.schedule(NOW);
            assertEquals(List.of(longPrompt), works(plan.prefill()), "step " + step + ": the long prompt is fed");
            assertEquals(List.of(1), tokens(plan.prefill()));
            run(plan);
        }
    }

    @Test
    void aStepCarriesAtLeastOnePromptTokenWhateverTheBudget() {
        Scheduler<Request> scheduler = new Scheduler<>(2, (rows, joining) -> 0, 1000, TenantPolicy.EQUAL);
        Request prompt = submitAll(scheduler, "a", 5).get(0);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(List.of(prompt), works(plan.prefill()));
        assertEquals(List.of(1), tokens(plan.prefill()));
    }

    @Test
    void slotsAreSplitByWeight() {
        Scheduler<Request> scheduler = scheduler(8, 10_000, weights(Map.of("gold", 3.0, "bronze", 1.0)));
        for (int i = 0; i < 8; i++) {
            scheduler.submit(new Request("bronze", 5));
            scheduler.submit(new Request("gold", 5));
        }
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(Map.of("gold", 6, "bronze", 2), byTenant(works(plan.prefill())));
    }

    @Test
    void aQuietTenantTakesASlotFromTheNoisyTenantsLeastCachedRequest() {
        Scheduler<Request> scheduler = scheduler(3, 10_000, TenantPolicy.EQUAL);
        List<Request> noisy = submitAll(scheduler, "noisy", 10, 4, 20, 6, 6);
        run(scheduler.schedule(NOW));

        Request quiet = new Request("quiet", 3);
        scheduler.submit(quiet);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(List.of(noisy.get(1)), plan.preempted(), "the victim holds the least cache");
        assertEquals(1, noisy.get(1).preemptions);
        assertEquals(
                List.of(quiet),
                plan.admitted().stream().map(StepPlan.Admission::work).toList());
        assertEquals(1, scheduler.preemptions());
        assertFalse(plan.decode().contains(noisy.get(1)));
        run(plan);

        scheduler.finished(noisy.get(0));
        StepPlan<Request> next = scheduler.schedule(NOW);
        assertSame(noisy.get(1), next.admitted().get(0).work(), "a preempted request waits at its tenant's head");
        assertEquals(List.of(noisy.get(1)), works(next.prefill()), "and recomputes its cache");
    }

    @Test
    void noPreemptionWhenTheSplitIsAlreadyFair() {
        Scheduler<Request> scheduler = scheduler(4, 10_000, TenantPolicy.EQUAL);
        submitAll(scheduler, "a", 5, 5);
        submitAll(scheduler, "b", 5, 5);
        run(scheduler.schedule(NOW));
        submitAll(scheduler, "a", 5);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertTrue(plan.preempted().isEmpty());
        assertTrue(plan.admitted().isEmpty());
        assertEquals(1, scheduler.queued());
        assertEquals(0, scheduler.preemptions());
    }

    @Test
    void cancelledAndExpiredRunningRequestsAreDroppedAndTheirSlotsReusedInTheSameStep() {
        Scheduler<Request> scheduler = scheduler(2, 10_000, TenantPolicy.EQUAL);
        List<Request> running = submitAll(scheduler, "a", 5, 5);
        running.get(1).deadline = NOW + 10;
        run(scheduler.schedule(NOW));
        Request waiting = new Request("a", 5);
        scheduler.submit(waiting);

        StepPlan<Request> stillInTime = scheduler.schedule(NOW + 10);
        assertTrue(stillInTime.abandoned().isEmpty());
        running.get(0).cancelled = true;
        StepPlan<Request> plan = scheduler.schedule(NOW + 11);
        assertEquals(Set.copyOf(running), Set.copyOf(plan.abandoned()));
        assertEquals(List.of(waiting), works(plan.prefill()));
        assertEquals(1, scheduler.freeSlots());
    }

    @Test
    void aRequestCancelledWhileQueuedNeitherTakesASlotNorPreemptsAnyone() {
        Scheduler<Request> scheduler = scheduler(2, 10_000, TenantPolicy.EQUAL);
        submitAll(scheduler, "busy", 5, 5, 5);
        run(scheduler.schedule(NOW));
        Request gone = new Request("quiet", 5);
        gone.cancelled = true;
        scheduler.submit(gone);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(List.of(gone), plan.abandoned());
        assertTrue(plan.preempted().isEmpty());
        assertEquals(0, scheduler.preemptions());
        assertEquals(1, scheduler.queued(), "busy's third request still waits");
    }

    @Test
    void thePrefillBudgetSpreadsPromptsOverStepsAndChunksALongOneWhileTheOthersDecode() {
        Scheduler<Request> scheduler = scheduler(4, 10, TenantPolicy.EQUAL);
        List<Request> requests = submitAll(scheduler, "a", 6, 3, 6, 25);
        StepPlan<Request> first = scheduler.schedule(NOW);
        assertEquals(List.of(requests.get(1), requests.get(0)), works(first.prefill()), "shortest first");
        assertEquals(List.of(3, 6), tokens(first.prefill()), "6 + 3 tokens fit the budget of 10, 6 more do not");
        run(first);
        StepPlan<Request> second = scheduler.schedule(NOW);
        assertEquals(List.of(requests.get(2)), works(second.prefill()));
        run(second);
        StepPlan<Request> third = scheduler.schedule(NOW);
        assertEquals(List.of(requests.get(3)), works(third.prefill()), "a prompt over the budget is admitted alone");
        assertEquals(List.of(10), tokens(third.prefill()), "and fed in chunks of the budget");
        run(third);
        for (int expected : new int[] {10, 5}) {
            StepPlan<Request> plan = scheduler.schedule(NOW);
            assertEquals(List.of(expected), tokens(plan.prefill()));
            assertEquals(requests.subList(0, 3), plan.decode(), "while the others decode every step");
            run(plan);
        }
        assertFalse(requests.get(3).isPrefill());
        assertEquals(25, requests.get(3).cached);
    }

    @Test
    void aShortPromptIsPrefilledBeforeTheRestOfALongOne() {
        Scheduler<Request> scheduler = scheduler(4, 10, TenantPolicy.EQUAL);
        Request longPrompt = submitAll(scheduler, "a", 25).get(0);
        run(scheduler.schedule(NOW));
        Request shortPrompt = submitAll(scheduler, "b", 4).get(0);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(List.of(shortPrompt, longPrompt), works(plan.prefill()));
        assertEquals(List.of(4, 6), tokens(plan.prefill()), "the long prompt takes what the short one leaves");
        run(plan);
        assertEquals(List.of(shortPrompt), scheduler.schedule(NOW).decode(), "the short one decodes next step");
    }

    /**
     * Attack: a tenant keeps sending prompts just under the budget, each admitted as soon as the last one is fed. Fed
     * shortest first alone, another tenant's long prompt would get what they leave (4 tokens a step here); half the
     * budget stays held for the prompt admitted first, so it is fed at least that fast.
     */
    @Test
    void aTenantFeedingShortPromptsCannotStarveAnotherTenantsLongPrompt() {
        Scheduler<Request> scheduler = scheduler(4, 64, TenantPolicy.EQUAL);
        Request victim = submitAll(scheduler, "victim", 1000).get(0);
        run(scheduler.schedule(NOW));
        int steps = 0;
        while (victim.isPrefill()) {
            Request flood = submitAll(scheduler, "flood", 60).get(0);
            StepPlan<Request> plan = scheduler.schedule(NOW);
            assertTrue(
                    tokens(plan.prefill()).get(works(plan.prefill()).indexOf(victim)) >= 32,
                    "the long prompt keeps at least half the budget");
            run(plan);
            scheduler.finished(flood);
            steps++;
        }
        assertTrue(steps <= (1000 - 64 + 31) / 32, "fed in " + steps + " steps");
    }

    @Test
    void aNewRequestTakesTheLowestFreeSlotSoRunningSlotsStayPacked() {
        Scheduler<Request> scheduler = scheduler(4, 1000, TenantPolicy.EQUAL);
        List<Request> first = submitAll(scheduler, "a", 5, 5, 5, 5);
        run(scheduler.schedule(NOW));
        scheduler.finished(first.get(3));
        scheduler.finished(first.get(1));
        List<Request> next = submitAll(scheduler, "a", 5);
        StepPlan<Request> plan = scheduler.schedule(NOW);
        assertEquals(1, plan.admitted().get(0).slot(), "slot 1 before slot 3, though slot 3 was freed first");
        assertSame(next.get(0), plan.admitted().get(0).work());
    }

    @Test
    void aFullQueueAndAFullTenantQueueAreRefused() {
        Scheduler<Request> scheduler =
                new Scheduler<>(1, (rows, joining) -> 100, 3, weights(Map.of("a", 1.0, "b", 1.0), 2));
        submitAll(scheduler, "a", 1, 1);
        assertThrows(QueueFullException.class, () -> scheduler.submit(new Request("a", 1)));
        scheduler.submit(new Request("b", 1));
        assertThrows(QueueFullException.class, () -> scheduler.submit(new Request("b", 1)));
        assertEquals(3, scheduler.queued());
    }

    @Test
    void removeAllEmptiesRunningAndQueuedAndFreesEverySlot() {
        Scheduler<Request> scheduler = scheduler(2, 100, TenantPolicy.EQUAL);
        List<Request> requests = submitAll(scheduler, "a", 1, 1, 1);
        run(scheduler.schedule(NOW));
        assertEquals(requests, scheduler.removeAll(), "running first, then queued");
        assertFalse(scheduler.hasRunning());
        assertEquals(0, scheduler.queued());
        assertEquals(2, scheduler.freeSlots());
        assertEquals(0, scheduler.cachedTokens());
    }

    @Test
    void cachedTokensSumTheRunningRequestsCaches() {
        Scheduler<Request> scheduler = scheduler(2, 100, TenantPolicy.EQUAL);
        submitAll(scheduler, "a", 7, 4);
        run(scheduler.schedule(NOW));
        assertEquals(7 + 4, scheduler.cachedTokens());
    }

    /** Plays the engine's part: prefill rows feed their chunk of the prompt, every decode row one token. */
    private static void run(StepPlan<Request> plan) {
        plan.prefill().forEach(chunk -> chunk.work().ran(chunk.tokens()));
        plan.decode().forEach(request -> request.ran(1));
    }

    private static List<Request> works(List<StepPlan.Chunk<Request>> chunks) {
        return chunks.stream().map(StepPlan.Chunk::work).toList();
    }

    private static List<Integer> tokens(List<StepPlan.Chunk<Request>> chunks) {
        return chunks.stream().map(StepPlan.Chunk::tokens).toList();
    }

    private static Scheduler<Request> scheduler(int slots, int prefillBudget, TenantPolicy policy) {
        return new Scheduler<>(slots, (rows, joining) -> prefillBudget, 1000, policy);
    }

    private static List<Request> submitAll(Scheduler<Request> scheduler, String tenant, int... promptLengths) {
        List<Request> requests = new ArrayList<>();
        for (int length : promptLengths) {
            Request request = new Request(tenant, length);
            scheduler.submit(request);
            requests.add(request);
        }
        return requests;
    }

    private static Set<Integer> slots(StepPlan<Request> plan) {
        Set<Integer> slots = new HashSet<>();
        plan.admitted().forEach(a -> slots.add(a.slot()));
        return slots;
    }

    private static Map<String, Integer> byTenant(List<Request> requests) {
        Map<String, Integer> counts = new HashMap<>();
        requests.forEach(r -> counts.merge(r.tenant, 1, Integer::sum));
        return counts;
    }

    private static TenantPolicy weights(Map<String, Double> weights) {
        return weights(weights, Integer.MAX_VALUE);
    }

    private static TenantPolicy weights(Map<String, Double> weights, int maxQueued) {
        return new TenantPolicy() {
            @Override
            public double weight(String tenant) {
                return weights.get(tenant);
            }

            @Override
            public int maxQueued(String tenant) {
                return maxQueued;
            }
        };
    }

    /** A request as the scheduler sees it; {@link #ran} advances it as a forward step would. */
    private static final class Request implements Schedulable {
        final String tenant;
        private final int promptLength;
        int pending;
        int cached;
        boolean prefill = true;
        boolean cancelled;
        long deadline = Long.MAX_VALUE;
        int preemptions;

        Request(String tenant, int promptLength) {
            this.tenant = tenant;
            this.promptLength = promptLength;
            this.pending = promptLength;
        }

        /** Feeds {@code tokens} of those pending; once none is left it samples one, the next step's token. */
        void ran(int tokens) {
            cached += tokens;
            pending -= tokens;
            if (pending == 0) {
                pending = 1;
                prefill = false;
            }
        }

        @Override
        public String tenant() {
            return tenant;
        }

        @Override
        public int pendingTokens() {
            return pending;
        }

        @Override
        public int cachedTokens() {
            return cached;
        }

        @Override
        public boolean isPrefill() {
            return prefill;
        }

        @Override
        public boolean abandoned(long now) {
            return cancelled || now > deadline;
        }

        @Override
        public void preempt() {
            pending = cached + pending;
            cached = 0;
            prefill = true;
            preemptions++;
        }

        @Override
        public String toString() {
            return tenant + "(" + promptLength + ")";
        }
    }
}
