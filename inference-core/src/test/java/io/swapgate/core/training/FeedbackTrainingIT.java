package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.AdapterSelection;
import io.swapgate.core.engine.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Preferences train with DPO and negative feedback with unlikelihood, each on its own, on stories260K. */
class FeedbackTrainingIT {

    private static final List<String> PROMPTS = List.of(
            "Once upon a time, there was a little girl named",
            "One day, a boy named Tim went to the",
            "The cat sat on the");
    private static final String CHOSEN = " Zig. Zig liked to sing.";

    private static TrainingFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new TrainingFixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static String greedy(String prompt, Adapter adapter, int tokens) throws Exception {
        AdapterSelection adapters = adapter == null ? AdapterSelection.NONE : AdapterSelection.of(List.of(adapter), 0);
        return fixture.serving
                .generate(GenerationRequest.builder("g", prompt, tokens)
                        .adapters(adapters)
                        .build())
                .text();
    }

    @Test
    void preferencesAloneTeachALoraToPickTheChosenEndingOverTheBasesOwn() throws Exception {
        List<TextExample> pairs = new ArrayList<>();
        for (String prompt : PROMPTS) {
            String own = greedy(prompt, null, 8);
            assertFalse(own.startsWith(CHOSEN), own);
            for (int i = 0; i < 12; i++) {
                pairs.add(TextExample.preference(prompt.hashCode() + "-" + i, prompt, CHOSEN, own));
            }
        }
        List<TokenizedExample> examples = fixture.tokenize(pairs);
        EvalMetrics base = fixture.evaluator.evaluate(null, examples);
        Adapter lora = fixture.trainer
                .train(
                        TrainingConfig.defaults(AdapterKind.LORA).withSteps(60),
                        examples,
                        null,
                        new AdapterIdentity("t/dpo", "1"),
                        p -> {},
                        () -> false)
                .adapter();
        EvalMetrics trained = fixture.evaluator.evaluate(lora, examples);
        assertTrue(
                trained.preferenceAccuracy() == 1 && trained.rewardMargin() > base.rewardMargin(),
                "accuracy " + trained.preferenceAccuracy() + ", margin " + base.rewardMargin() + " -> "
                        + trained.rewardMargin());
        for (String prompt : PROMPTS) {
            String answer = greedy(prompt, lora, 8);
            assertTrue(answer.startsWith(CHOSEN.substring(0, 4)), prompt + " ->" + answer);
        }
    }

    @Test
    void negativeFeedbackAloneMakesTheModelStopGivingItsOwnEnding() throws Exception {
        List<TextExample> feedback = new ArrayList<>();
        List<String> endings = new ArrayList<>();
        for (String prompt : PROMPTS) {
            String own = greedy(prompt, null, 6);
            endings.add(own);
            for (int i = 0; i < 12; i++) {
                feedback.add(TextExample.feedback(prompt.hashCode() + "-" + i, prompt, own, -1));
            }
        }
        List<TokenizedExample> examples = fixture.tokenize(feedback);
        EvalMetrics base = fixture.evaluator.evaluate(null, examples);
        Adapter lora = fixture.trainer
                .train(
                        TrainingConfig.defaults(AdapterKind.LORA).withSteps(40),
                        examples,
                        null,
                        new AdapterIdentity("t/unlikely", "1"),
                        p -> {},
                        () -> false)
                .adapter();
        EvalMetrics trained = fixture.evaluator.evaluate(lora, examples);
        assertTrue(
                trained.unlearnedLoss() > base.unlearnedLoss() * 2,
                "loss of the unwanted endings " + base.unlearnedLoss() + " -> " + trained.unlearnedLoss());
        for (int p = 0; p < PROMPTS.size(); p++) {
            String answer = greedy(PROMPTS.get(p), lora, 6);
            assertFalse(answer.startsWith(endings.get(p)), PROMPTS.get(p) + " still ->" + answer);
        }
    }
}
