package io.swapgate.gateway.cli;

import io.swapgate.proto.v1.TrainingExample;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@code swapgate examples send FILE.jsonl --adapter TENANT/NAME}: training examples onto Kafka for retraining. */
public final class ExamplesCommand {

    static final String USAGE = """
            usage: swapgate examples send FILE.jsonl --adapter TENANT/NAME [--topic T] [--bootstrap-servers S] [--api-key KEY]
              Sends each line of FILE ({"prompt": .., "completion": ..}, or "chosen"/"rejected", or "completion"/"score";
              "id" optional) as a TrainingExample to the training-examples topic (default swapgate.training-examples)
              on Kafka (default $KAFKA_BOOTSTRAP_SERVERS or localhost:9092), keyed by adapter, with the API key
              (default $SWAPGATE_API_KEY) in the authorization header. The retraining policy takes it from there.
            """;

    private ExamplesCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            if (args.length == 0 || !args[0].equals("send")) {
                throw new IllegalArgumentException("the command is 'send'");
            }
            line = CommandLine.parse(args, 1, Set.of("--adapter", "--topic", "--bootstrap-servers", "--api-key"), Set.of());
            String adapter = line.option("--adapter", null);
            if (adapter == null) {
                throw new IllegalArgumentException("send needs --adapter TENANT/NAME");
            }
            List<TrainingExample> examples = ExampleFile.read(Path.of(line.positionals(1, "FILE.jsonl").get(0)), adapter);
            String servers = line.option("--bootstrap-servers", System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"));
            String topic = line.option("--topic", "swapgate.training-examples");
            send(examples, adapter, servers, topic, GatewayChannel.apiKey(line.option("--api-key", null)));
            out.printf("sent %d examples for %s to %s on %s%n", examples.size(), adapter, topic, servers);
            return 0;
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, USAGE, e.getMessage());
        } catch (Exception e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static void send(List<TrainingExample> examples, String adapter, String servers, String topic, String apiKey)
            throws Exception {
        RecordHeaders headers = new RecordHeaders();
        if (apiKey != null) {
            headers.add("authorization", ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            byte[] key = adapter.getBytes(StandardCharsets.UTF_8);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (TrainingExample example : examples) {
                sent.add(producer.send(new ProducerRecord<>(topic, null, key, example.toByteArray(), headers)));
            }
            for (Future<RecordMetadata> record : sent) {
                try {
                    record.get(); // a failed send fails the command
                } catch (ExecutionException e) {
                    throw new IllegalStateException("Kafka at " + servers + " did not take an example: " + e.getCause().getMessage(), e);
                }
            }
        }
    }
}
