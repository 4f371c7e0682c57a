package io.swapgate.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * @param responses the prefix of the tenants' own responses topics: tenant T's answers go to {@code <responses>.T}
 *     ({@code KafkaResponse}) unless a request names another of T's topics; no two tenants share one
 * @param deadLetters requests that cannot be served, with the reason in headers
 * @param adapterEvents registry changes for the other replicas, compacted to the latest per adapter
 * @param trainingExamples examples and feedback for retraining adapters
 * @param trainingJobs every change of a training job, compacted to the latest per job
 */
public record KafkaTopics(
        String requests,
        String responses,
        String deadLetters,
        String adapterEvents,
        String trainingExamples,
        String trainingJobs) {

    /** Where tenant {@code tenant}'s answers go by default. */
    public String responsesOf(String tenant) {
        return responses + "." + tenant;
    }

    /**
     * Creates the topics that do not exist yet, the responses topics of {@code tenants} among them: {@code partitions}
     * each, a week's retention for dead letters, and compaction for adapter events and training jobs.
     */
    public void ensure(Admin admin, int partitions, Collection<String> tenants)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<String> wanted =
                new ArrayList<>(List.of(requests, deadLetters, adapterEvents, trainingExamples, trainingJobs));
        tenants.forEach(tenant -> wanted.add(responsesOf(tenant)));
        ensure(admin, partitions, wanted);
    }

    private void ensure(Admin admin, int partitions, List<String> wanted)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String topic : wanted) {
            if (!existing.contains(topic)) {
                // The broker's default replication factor: 1 on the local broker, what the cluster says elsewhere.
                NewTopic created = new NewTopic(topic, Optional.of(partitions), Optional.empty());
                if (topic.equals(deadLetters)) {
                    created.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(TimeUnit.DAYS.toMillis(7))));
                } else if (topic.equals(adapterEvents) || topic.equals(trainingJobs)) {
                    created.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                }
                missing.add(created);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        try {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) { // another replica created it first
                throw e;
            }
        }
    }

    /** Creates one topic (a tenant's responses topic) if it does not exist yet. */
    public void ensure(Admin admin, int partitions, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        ensure(admin, partitions, List.of(topic));
    }
}
