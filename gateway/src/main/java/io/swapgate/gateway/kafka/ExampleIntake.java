package io.swapgate.gateway.kafka;

import io.swapgate.gateway.serving.FailureStatus;
import io.swapgate.gateway.tenancy.Access;
import io.swapgate.gateway.tenancy.Authenticator;
import io.swapgate.gateway.tenancy.Caller;
import io.swapgate.gateway.training.TrainingLoop;
import io.swapgate.kafka.DurableIntake;
import io.swapgate.kafka.KafkaAuthorization;
import io.swapgate.proto.v1.TrainingExample;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.ExampleStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Training examples from Kafka into the per-adapter example store, where they count towards the adapter's retraining
 * policy: each must be a {@code TrainingExample} with an id, a prompt and a signal, for an adapter the key's tenant
 * manages. The rest are dead-lettered with the reason.
 */
final class ExampleIntake implements DurableIntake.Sink {

    private final TrainingLoop training;
    private final Authenticator authenticator;
    private final Access access;

    ExampleIntake(TrainingLoop training, Authenticator authenticator, Access access) {
        this.training = training;
        this.authenticator = authenticator;
        this.access = access;
    }

    @Override
    public List<DurableIntake.Rejection> store(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records)
            throws IOException {
        List<DurableIntake.Rejection> rejected = new ArrayList<>();
        Map<AdapterName, List<ExampleStore.Example>> accepted = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                TrainingExample example = validate(record);
                accepted.computeIfAbsent(AdapterName.parse(example.getAdapter()), a -> new ArrayList<>())
                        .add(new ExampleStore.Example(example.getExampleId(), record.value()));
            } catch (RuntimeException e) {
                rejected.add(
                        new DurableIntake.Rejection(record, FailureStatus.of(e).name(), FailureStatus.message(e)));
            }
        }
        for (Map.Entry<AdapterName, List<ExampleStore.Example>> adapter : accepted.entrySet()) {
            training.examples().append(adapter.getKey(), "p" + partition.partition(), adapter.getValue());
            training.examplesStored(adapter.getKey(), adapter.getValue().size());
        }
        return rejected;
    }

    private TrainingExample validate(ConsumerRecord<byte[], byte[]> record) {
        TrainingExample example = KafkaMessages.example(record.value());
        Caller caller = authenticator.authenticate(KafkaAuthorization.of(record));
        access.checkManage(caller, AdapterName.parse(example.getAdapter()));
        return example;
    }
}
