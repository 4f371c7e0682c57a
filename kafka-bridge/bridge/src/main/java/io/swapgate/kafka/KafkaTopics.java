package io.swapgate.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The topics the gateway uses.
 *
 * @param requests generation requests ({@code KafkaRequest})
 * @param responses answers when a request names no reply topic ({@code KafkaResponse})
 * @param deadLetters requests that cannot be served, with the reason in headers
 * @param adapterEvents registry changes for the other replicas, compacted to the latest per adapter
 * @param trainingExamples examples and feedback for retraining adapters
 * @param trainingJobs every change of a training job, compacted to the latest per job
 */
public record KafkaTopics(String requests, String responses, String deadLetters, String adapterEvents, String trainingExamples,
                          String trainingJobs) {

    /**
     * Creates the topics that do not exist yet: {@code partitions} each, a week's retention for dead letters, and
     * compaction for adapter events and training jobs.
     */
    public void ensure(Admin admin, int partitions) throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : List.of(requests, responses, deadLetters, adapterEvents, trainingExamples, trainingJobs)) {
            if (!existing.contains(topic)) {
                NewTopic created = new NewTopic(topic, partitions, (short) 1);
                if (topic.equals(deadLetters)) {
                    created.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(TimeUnit.DAYS.toMillis(7))));
                } else if (topic.equals(adapterEvents) || topic.equals(trainingJobs)) {
                    created.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                missing.add(created);
            }
        }
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) { // another replica created it first
                throw e;
            }
        }
    }
}
