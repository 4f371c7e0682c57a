package io.swapgate.gateway.cli;

import io.swapgate.proto.v1.TrainingExample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code swapgate examples send FILE.jsonl --adapter TENANT/NAME}: training examples onto Kafka for retraining. */
@Command(
        name = "examples",
        description = "Send training examples onto Kafka for retraining.",
        subcommands = ExamplesCommand.Send.class)
final class ExamplesCommand {

    private ExamplesCommand() {}

    @Command(
            name = "send",
            description = {
                "Sends each line of FILE ({\"prompt\": .., \"completion\": ..}, or \"chosen\"/\"rejected\", or \"completion\"/\"score\";",
                "\"id\" optional) as a TrainingExample to the training-examples topic on Kafka, keyed by adapter, with the API",
                "key in the authorization header. The retraining policy takes it from there."
            })
    static final class Send implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE.jsonl", description = "One example per line.")
        Path file;

        @Option(
                names = "--adapter",
                required = true,
                paramLabel = "TENANT/NAME",
                description = "The adapter they train.")
        String adapter;

        @Option(
                names = "--topic",
                defaultValue = "swapgate.training-examples",
                description = "Default: ${DEFAULT-VALUE}.")
        String topic;

        @Option(
                names = "--bootstrap-servers",
                defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
                description = "Kafka (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092).")
        String servers;

        @Option(names = "--api-key", description = "API key (default: $SWAPGATE_API_KEY).")
        String apiKey;

        @Override
        public Integer call() throws Exception {
            List<TrainingExample> examples = ExampleFile.read(file, adapter);
            send(examples, adapter, servers, topic, GatewayConnection.apiKey(apiKey));
            spec.commandLine()
                    .getOut()
                    .printf("sent %d examples for %s to %s on %s%n", examples.size(), adapter, topic, servers);
            return 0;
        }
    }

    private static void send(
            List<TrainingExample> examples, String adapter, String servers, String topic, String apiKey)
            throws Exception {
        RecordHeaders headers = new RecordHeaders();
        if (apiKey != null) {
            headers.add("authorization", ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                servers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                15_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class))) {
            byte[] key = adapter.getBytes(StandardCharsets.UTF_8);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (TrainingExample example : examples) {
                sent.add(producer.send(new ProducerRecord<>(topic, null, key, example.toByteArray(), headers)));
            }
            for (Future<RecordMetadata> record : sent) {
                try {
                    record.get(); // a failed send fails the command
                } catch (ExecutionException e) {
                    throw new IllegalStateException(
                            "Kafka at " + servers + " did not take an example: "
                                    + e.getCause().getMessage(),
                            e);
                }
            }
        }
    }
}
