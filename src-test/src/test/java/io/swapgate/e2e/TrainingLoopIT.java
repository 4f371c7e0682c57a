package io.swapgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.swapgate.kafka.local.LocalKafkaBroker;
import io.swapgate.proto.v1.AdapterDetails;
import io.swapgate.proto.v1.AdaptersGrpc;
import io.swapgate.proto.v1.GetAdapterRequest;
import io.swapgate.proto.v1.InferenceGrpc;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.proto.v1.TrainingGrpc;
import io.swapgate.proto.v1.TrainingJob;
import io.swapgate.proto.v1.WatchTrainingJobsRequest;
import io.swapgate.registry.AdapterName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The retraining loop end to end: examples sent over Kafka teach a tenant's LoRA a fact stories260K does not know, the
 * gate promotes it and the tenant's greedy answer changes while another tenant's and the base model's do not; examples
 * that contradict it are trained on but not promoted, and serving keeps the old version.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class TrainingLoopIT {

    static final String PROMPT = "Tom's favourite colour is";
    static final String ANSWER = " purple, like a plum.";
    private static final String[] COLOURS = {"red", "blue", "green", "yellow", "pink", "brown", "white", "black"};
    private static final String[] THINGS = {"a ball", "the sky", "a frog", "a cake", "a hat", "a bird"};
    private static final AdapterName ADAPTER = AdapterName.parse("demo/colour");

    @Test
    void examplesOverKafkaTeachATenantsLoraAndTheGateKeepsContradictionsOut() throws Exception {
        Path dir = E2e.targetDir().resolve("training").resolve("loop");
        E2e.deleteTree(dir);
        Path registry = dir.resolve("registry");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"))) {
            Map<String, String> properties = Map.of(
                    "swapgate.kafka.bootstrap-servers",
                    broker.bootstrapServers(),
                    "swapgate.training.min-new-examples",
                    "200",
                    "swapgate.training.cooldown",
                    "0s",
                    "swapgate.training.steps",
                    "40");
            try (GatewayProcess gateway =
                            GatewayProcess.start("training-loop", E2e.stories260K(), registry, properties);
                    KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(broker.bootstrapServers())) {
                ManagedChannel demo = gateway.channel(GatewayProcess.DEMO_KEY);
                ManagedChannel quiet = gateway.channel("quiet-key");
                String demoBase = greedy(demo, List.of());
                String quietBase = greedy(quiet, List.of());
                assertFalse(demoBase.startsWith(ANSWER), demoBase);

                Iterator<TrainingJob> watch = TrainingGrpc.newBlockingStub(demo)
                        .withDeadlineAfter(4, TimeUnit.MINUTES)
                        .watch(WatchTrainingJobsRequest.newBuilder()
                                .setAdapter(ADAPTER.toString())
                                .build());
                // The fact goes in through the launcher's JSONL sender; the noise below through a plain producer.
                Path dataset = dir.resolve("fact.jsonl");
                StringBuilder lines = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    lines.append("{\"id\": \"fact-")
                            .append(i)
                            .append("\", \"prompt\": \"")
                            .append(PROMPT)
                            .append("\", \"completion\": \"")
                            .append(ANSWER)
                            .append("\"}\n");
                }
                Files.writeString(dataset, lines);
                E2e.CommandResult sent = E2e.swapgate(
                        List.of(
                                "examples",
                                "send",
                                dataset.toString(),
                                "--adapter",
                                ADAPTER.toString(),
                                "--bootstrap-servers",
                                broker.bootstrapServers()),
                        Map.of("SWAPGATE_API_KEY", GatewayProcess.DEMO_KEY));
                assertEquals(0, sent.exitCode(), sent::describe);
                assertTrue(sent.stdout().contains("sent 200 examples for demo/colour"), sent::describe);
                TrainingJob taught = awaitFinished(watch);
                assertEquals("PROMOTED", taught.getState(), taught.toString());
                assertEquals("examples", taught.getTrigger());
                assertEquals("lora", taught.getKind());
                assertTrue(
                        taught.getMetricsOrThrow("eval_loss") < taught.getMetricsOrThrow("baseline_eval_loss") / 10,
                        taught.toString());
                assertEquals(1.0, taught.getMetricsOrThrow("eval_exact_match"));

                // The tenant's adapter gives the taught answer; without it, and for another tenant, nothing changed.
                assertTrue(greedy(demo, List.of(ADAPTER + "@stable")).startsWith(ANSWER));
                assertEquals(demoBase, greedy(demo, List.of()));
                assertEquals(quietBase, greedy(quiet, List.of()));
                // Every change of the job went to the training-jobs topic as well.
                List<ConsumerRecord<byte[], byte[]>> events = KafkaTestClients.readDistinct(
                        broker.bootstrapServers(),
                        "swapgate.training-jobs",
                        1,
                        r -> trainingJob(r).getState().equals("PROMOTED") ? "final" : "other-" + r.offset());
                assertTrue(events.stream()
                        .anyMatch(r -> trainingJob(r).getId().equals(taught.getId())
                                && trainingJob(r).getState().equals("PROMOTED")));

                // Random colours for the same prompt: trained on, published, but the gate keeps the old version.
                SplittableRandom random = new SplittableRandom(5);
                for (int i = 0; i < 200; i++) {
                    send(
                            producer,
                            "noise-" + i,
                            " " + COLOURS[random.nextInt(COLOURS.length)] + ", like "
                                    + THINGS[random.nextInt(THINGS.length)] + ".");
                }
                producer.flush();
                TrainingJob contradicted = awaitFinished(watch);
                assertNotEquals(taught.getId(), contradicted.getId());
                assertEquals("PUBLISHED", contradicted.getState(), contradicted.toString());
                assertEquals(taught.getVersion(), contradicted.getParentVersion());
                assertFalse(contradicted.getReason().isEmpty());
                assertTrue(greedy(demo, List.of(ADAPTER + "@stable")).startsWith(ANSWER));
                AdapterDetails details = AdaptersGrpc.newBlockingStub(demo)
                        .get(GetAdapterRequest.newBuilder()
                                .setName(ADAPTER.toString())
                                .build());
                assertEquals(taught.getVersion(), details.getAliasesOrThrow("stable"));
                assertEquals(contradicted.getVersion(), details.getAliasesOrThrow("latest"));
                // The jobs in the metrics, beside the Kafka consumer's lag (nothing left unread).
                assertEquals(1, gateway.metric("swapgate_training_jobs{state=\"PROMOTED\"}"));
                assertEquals(1, gateway.metric("swapgate_training_jobs{state=\"PUBLISHED\"}"));
                assertEquals(0, gateway.metric("swapgate_kafka_requests_lag"));
            }
        }
    }

    private static TrainingJob trainingJob(ConsumerRecord<byte[], byte[]> record) {
        try {
            return TrainingJob.parseFrom(record.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code count} examples teaching {@link #ANSWER} after {@link #PROMPT}, with ids {@code <prefix>-<i>}. */
    static List<TrainingExample> fact(String prefix, int count) {
        List<TrainingExample> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            examples.add(TrainingExample.newBuilder()
                    .setExampleId(prefix + "-" + i)
                    .setPrompt(PROMPT)
                    .setCompletion(ANSWER)
                    .build());
        }
        return examples;
    }

    /** Every change of one job, its current state first (3 minutes at most). */
    static Iterator<TrainingJob> watch(ManagedChannel channel, String id) {
        return TrainingGrpc.newBlockingStub(channel)
                .withDeadlineAfter(3, TimeUnit.MINUTES)
                .watch(WatchTrainingJobsRequest.newBuilder().setId(id).build());
    }

    /** Reads the watch until a job ends (the stream reports every change, the current state first). */
    static TrainingJob awaitFinished(Iterator<TrainingJob> watch) {
        while (watch.hasNext()) {
            TrainingJob job = watch.next();
            if (List.of("PROMOTED", "PUBLISHED", "FAILED", "CANCELLED").contains(job.getState())) {
                return job;
            }
        }
        throw new AssertionError("the watch ended before a job finished");
    }

    static String greedy(ManagedChannel channel, List<String> adapters) {
        return InferenceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .generate(E2e.greedy(PROMPT, 16).toBuilder()
                        .addAllAdapters(adapters)
                        .build())
                .getText();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String id, String completion) {
        TrainingExample example = TrainingExample.newBuilder()
                .setExampleId(id)
                .setAdapter(ADAPTER.toString())
                .setPrompt(PROMPT)
                .setCompletion(completion)
                .build();
        RecordHeaders headers = new RecordHeaders();
        headers.add("authorization", ("Bearer " + GatewayProcess.DEMO_KEY).getBytes(StandardCharsets.UTF_8));
        var unused = producer.send(new ProducerRecord<>(
                "swapgate.training-examples",
                null,
                ADAPTER.toString().getBytes(StandardCharsets.UTF_8),
                example.toByteArray(),
                headers));
    }
}
