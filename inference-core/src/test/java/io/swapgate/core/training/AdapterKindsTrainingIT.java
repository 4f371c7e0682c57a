package io.swapgate.core.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterIdentity;
import io.swapgate.core.adapter.AdapterKind;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.runtime.SequenceHooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prompt tuning, prefix tuning and a DRO-trained TempNet each improve held-out likelihood over what the base model
 * offers without them. The figures go to {@code target/training-report.md}.
 */
class AdapterKindsTrainingIT {

    private static final String[] ANIMALS = {
        "cat", "dog", "bird", "fish", "frog", "bear", "duck", "cow", "pig", "fox", "lion", "bunny"
    };
    private static final String[] ACTIONS = {"jump", "sing", "run", "swim", "dance", "play", "eat", "sleep"};

    private static TrainingFixture fixture;
    private static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void start() {
        fixture = new TrainingFixture();
    }

    @AfterAll
    static void stop() throws IOException {
        fixture.close();
        Path file = Path.of("target/training-report.md");
        Files.createDirectories(file.getParent());
        Files.write(file, report);
    }

    /** A tenant's house style: every story names the animal Zig. Held out: combinations never trained on. */
    private static List<TextExample> style(boolean heldOut) {
        List<TextExample> examples = new ArrayList<>();
        for (int a = 0; a < ANIMALS.length; a++) {
            for (int v = 0; v < ACTIONS.length; v++) {
                if (((a * ACTIONS.length + v) % 5 == 0) == heldOut) {
                    examples.add(new TextExample(
                            a + "-" + v,
                            "Once upon a time, there was a little " + ANIMALS[a] + ".",
                            " The " + ANIMALS[a] + " was named Zig. Zig liked to " + ACTIONS[v] + "."));
                }
            }
        }
        return examples;
    }

    @Test
    void promptAndPrefixTuningBeatTheBaseOnHeldOutExamples() throws Exception {
        List<TokenizedExample> train = fixture.tokenize(style(false));
        List<TokenizedExample> heldOut = fixture.tokenize(style(true));
        double base = fixture.evaluator.evaluate(null, heldOut).loss();
        for (AdapterKind kind : List.of(AdapterKind.PROMPT, AdapterKind.PREFIX)) {
            TrainingConfig config = TrainingConfig.defaults(kind).withSteps(80);
            Adapter adapter = fixture.trainer
                    .train(config, train, null, new AdapterIdentity("t/" + kind, "1"), p -> {}, () -> false)
                    .adapter();
            double tuned = fixture.evaluator.evaluate(adapter, heldOut).loss();
            report.add(String.format(
                    "%s tuning: held-out loss %.3f nats/token (base %.3f), %d train / %d held-out examples",
                    kind, tuned, base, train.size(), heldOut.size()));
            assertTrue(tuned < base * 0.8, kind + ": held-out loss " + base + " -> " + tuned);
        }
    }

    /** Both objectives, on data whose best temperature changes per step; the fixed baseline is chosen on held-out. */
    @Test
    void tempNetsOfBothObjectivesBeatTheBestFixedTemperature() throws Exception {
        double entropy = 1.5;
        List<TokenizedExample> train = entropyTargetedSamples(style(false), entropy, 1);
        List<TokenizedExample> heldOut = entropyTargetedSamples(style(true), entropy, 2);
        FixedTemperature bestFixed = fixture.evaluator.bestFixedTemperature(heldOut, 0.05, 3.0);
        // The DRO loss is lowest where softmax(s / tau) lies rho nats (KL) from uniform: entropy log V - rho.
        float rho = (float) (Math.log(fixture.forward.config().vocabSize()) - entropy);
        for (TempNetObjective objective : TempNetObjective.values()) {
            TrainingConfig config = TrainingConfig.defaults(AdapterKind.TEMPNET)
                    .withTempNet(objective, rho)
                    .withSteps(150);
            TempNetAdapter tempNet = (TempNetAdapter) fixture.trainer
                    .train(config, train, null, new AdapterIdentity("t/tempnet", "1"), p -> {}, () -> false)
                    .adapter();
            double learned = fixture.evaluator.evaluate(tempNet, heldOut).loss();
            report.add(String.format(
                    "TempNet (%s): held-out NLL %.4f nats/token; best fixed temperature %.2f gives %.4f;"
                            + " base at 1.0 gives %.4f",
                    objective,
                    learned,
                    bestFixed.temperature(),
                    bestFixed.loss(),
                    fixture.evaluator.evaluate(null, heldOut).loss()));
            assertTrue(learned < bestFixed.loss(), objective + ": TempNet " + learned + " vs best fixed " + bestFixed);
        }
    }

    /**
     * Completions sampled from the base model at, per step, the temperature that gives its distribution the target
     * entropy: data whose best temperature changes from step to step, as a TempNet can follow and no fixed one can.
     */
    private static List<TokenizedExample> entropyTargetedSamples(List<TextExample> prompts, double entropy, long seed)
            throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<TokenizedExample> out = new ArrayList<>();
        for (TextExample prompt : prompts) {
            int[] tokens = fixture.serving.model.tokenizer().encodePrompt(prompt.prompt());
            int promptLength = tokens.length;
            for (int t = 0; t < 12; t++) {
                int[] sequence = tokens;
                float[] logits = fixture.engine.run(() -> lastLogits(sequence));
                double tau = temperatureFor(logits, entropy);
                tokens = java.util.Arrays.copyOf(tokens, tokens.length + 1);
                tokens[tokens.length - 1] = sample(logits, tau, random);
            }
            out.add(new TokenizedExample(prompt.id(), tokens, promptLength));
        }
        return out;
    }

    private static float[] lastLogits(int[] tokens) {
        try (NDManager scope = NDManager.newBaseManager(fixture.forward.device())) {
            NDArray hidden = fixture.forward.hidden(new int[][] {tokens}, SequenceHooks.NONE, scope);
            return fixture.forward.logits(hidden.get("0, -1")).toFloatArray();
        }
    }

    /** Bisection on tau: entropy grows with temperature. */
    private static double temperatureFor(float[] logits, double entropy) {
        double low = 0.01;
        double high = 20;
        for (int i = 0; i < 60; i++) {
            double mid = Math.sqrt(low * high);
            if (entropyAt(logits, mid) < entropy) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return Math.sqrt(low * high);
    }

    private static double[] probabilities(float[] logits, double tau) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / tau);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / tau - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double entropyAt(float[] logits, double tau) {
        double h = 0;
        for (double p : probabilities(logits, tau)) {
            h -= p > 0 ? p * Math.log(p) : 0;
        }
        return h;
    }

    private static int sample(float[] logits, double tau, SplittableRandom random) {
        double[] p = probabilities(logits, tau);
        double u = random.nextDouble();
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u <= 0) {
                return i;
            }
        }
        return p.length - 1;
    }
}
