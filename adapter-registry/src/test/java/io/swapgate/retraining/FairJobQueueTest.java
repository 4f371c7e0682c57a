package io.swapgate.retraining;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairJobQueueTest {

    @Test
    void aTenantsLongQueueDelaysAnotherTenantsJobByOneJobAtMost() {
        FairJobQueue queue = new FairJobQueue();
        for (int i = 1; i <= 5; i++) {
            queue.add("flood", "f" + i);
        }
        assertEquals("f1", queue.next().orElseThrow());
        queue.add("quiet", "q1"); // arrives while f1 runs
        queue.add("other", "o1");
        List<String> order = new ArrayList<>();
        queue.next().ifPresent(order::add);
        queue.next().ifPresent(order::add);
        queue.next().ifPresent(order::add);
        assertEquals(List.of("q1", "o1", "f2"), order, "tenants never served go first, in the order they arrived");
        queue.add("quiet", "q2");
        assertEquals("q2", queue.next().orElseThrow(), "quiet was served longer ago than flood");
        assertEquals("f3", queue.next().orElseThrow());
    }

    @Test
    void anEmptyQueueHasNoNextJob() {
        assertEquals(java.util.Optional.empty(), new FairJobQueue().next());
    }
}
