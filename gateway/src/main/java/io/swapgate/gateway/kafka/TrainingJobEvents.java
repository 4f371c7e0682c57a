package io.swapgate.gateway.kafka;

import io.swapgate.gateway.messages.TrainingJobMessages;
import io.swapgate.retraining.TrainingJob;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/** Every change of a training job to the training-jobs topic, keyed by job id (the topic keeps the latest per job). */
final class TrainingJobEvents implements Consumer<TrainingJob> {

    private static final Logger LOG = Logger.getLogger(TrainingJobEvents.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    TrainingJobEvents(KafkaProducer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void accept(TrainingJob job) {
        var unused = producer.send(
                new ProducerRecord<>(
                        topic,
                        job.id().getBytes(StandardCharsets.UTF_8),
                        TrainingJobMessages.of(job).toByteArray()),
                (metadata, error) -> {
                    if (error != null) {
                        LOG.warnf(
                                "could not send training job %s's %s to %s: %s",
                                job.id(), job.state(), topic, error.getMessage());
                    }
                });
    }
}
