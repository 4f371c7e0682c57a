package io.swapgate.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.engine.CollectingListener.Completion;
import io.swapgate.core.engine.FinishReason;
import io.swapgate.core.format.ModelLoader;
import org.junit.jupiter.api.Test;

class ReferenceOutputTest {

    @Test
    void storiesGreedyMatchesLlama2cReferenceByteForByte() throws Exception {
        try (ServingFixture serving = new ServingFixture(ModelLoader.load(TestModels.stories()))) {
            Completion completion = serving.greedy("Once upon a time", 40);
            assertTrue(
                    TestModels.STORIES_REFERENCE.startsWith(completion.text()),
                    "not a prefix of the reference: [" + completion.text() + "]");
            assertEquals(FinishReason.LENGTH, completion.finishReason());
            assertEquals(40, completion.usage().completionTokens());
            assertTrue(completion.text().length() > 100, "40 tokens should cover most of the reference");
        }
    }
}
