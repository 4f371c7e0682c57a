package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.Feedback;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.Preference;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole signal trains, through a real broker: preference events alone teach a LoRA (DPO) to pick, greedily, the
 * chosen of two endings where the base model picks the rejected one; negative feedback alone on the base model's own
 * greedy ending (unlikelihood) makes the promoted version stop giving it. The base model's answers do not change.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FeedbackLoopIT {

    private static final String PREFERRED_PROMPT = "Once upon a time, there was a little girl named";
    private static final String CHOSEN = " Zig. Zig liked to sing.";
    private static final String UNWANTED_PROMPT = "One day, a boy named Tim went to the";
    private static final int EXAMPLES = 60;

    @Test
    void preferencesAndNegativeFeedbackOverKafkaTrainWhatTheySay() throws Exception {
        Path dir = E2e.emptyDir(E2e.targetDir().resolve("training").resolve("feedback"));
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"));
                GatewayProcess gateway = GatewayProcess.start(
                        "feedback",
                        E2e.stories260K(),
                        dir.resolve("registry"),
                        Map.of(
                                "swapgate.kafka.bootstrap-servers",
                                broker.bootstrapServers(),
                                "swapgate.training.min-new-examples",
                                Integer.toString(EXAMPLES),
                                "swapgate.training.cooldown",
                                "0s",
                                "swapgate.training.steps",
                                "40"));
                KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
            ManagedChannel demo = gateway.channel(GatewayProcess.DEMO_KEY);
            String rejected = greedy(demo, PREFERRED_PROMPT, 8, List.of());
            assertFalse(rejected.startsWith(CHOSEN.substring(0, 4)), rejected);
            Iterator<TrainingJob> picky = watch(demo, "demo/picky");
            for (int i = 0; i < EXAMPLES; i++) {
                send(
                        producer,
                        TrainingExample.newBuilder()
                                .setExampleId("pair-" + i)
                                .setAdapter("demo/picky")
                                .setPrompt(PREFERRED_PROMPT)
                                .setPreference(Preference.newBuilder()
                                        .setChosen(CHOSEN)
                                        .setRejected(rejected))
                                .build());
            }
            producer.flush();
            TrainingJob preferred = TrainingLoopIT.awaitFinished(picky);
            assertEquals("PROMOTED", preferred.getState(), preferred.toString());
            assertEquals(1.0, preferred.getMetricsOrThrow("eval_preference_accuracy"), preferred.toString());
            assertTrue(preferred.getMetricsOrThrow("eval_reward_margin") > 0, preferred.toString());
            assertTrue(greedy(demo, PREFERRED_PROMPT, 8, List.of("demo/picky")).startsWith(CHOSEN.substring(0, 4)));

            String unwanted = greedy(demo, UNWANTED_PROMPT, 6, List.of());
            Iterator<TrainingJob> quiet = watch(demo, "demo/unsaid");
            for (int i = 0; i < EXAMPLES; i++) {
                send(
                        producer,
                        TrainingExample.newBuilder()
                                .setExampleId("bad-" + i)
                                .setAdapter("demo/unsaid")
                                .setPrompt(UNWANTED_PROMPT)
                                .setFeedback(Feedback.newBuilder()
                                        .setCompletion(unwanted)
                                        .setScore(-1))
                                .build());
            }
            producer.flush();
            TrainingJob unlearned = TrainingLoopIT.awaitFinished(quiet);
            assertEquals("PROMOTED", unlearned.getState(), unlearned.toString());
            assertTrue(
                    unlearned.getMetricsOrThrow("eval_unlearned_loss")
                            > unlearned.getMetricsOrThrow("baseline_eval_unlearned_loss"),
                    unlearned.toString());
            String after = greedy(demo, UNWANTED_PROMPT, 6, List.of("demo/unsaid"));
            assertFalse(after.startsWith(unwanted), "still [" + after + "]");

            assertEquals(rejected, greedy(demo, PREFERRED_PROMPT, 8, List.of()));
            assertEquals(unwanted, greedy(demo, UNWANTED_PROMPT, 6, List.of()));
        }
    }

    private static Iterator<TrainingJob> watch(ManagedChannel channel, String adapter) {
        return TrainingGrpc.newBlockingStub(channel)
                .withDeadlineAfter(4, TimeUnit.MINUTES)
                .watch(WatchTrainingJobsRequest.newBuilder().setAdapter(adapter).build());
    }

    private static String greedy(ManagedChannel channel, String prompt, int tokens, List<String> adapters) {
        return InferenceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(E2e.greedy(prompt, tokens).toBuilder()
                        .addAllAdapters(adapters)
                        .build())
                .getText();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, TrainingExample example) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
        var unused = producer.send(new ProducerRecord<>(
                "swapgate.training-examples",
                null,
                example.getAdapter().getBytes(StandardCharsets.UTF_8),
                example.toByteArray(),
                headers));
    }
}
