package io.swapgate.gateway.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.Startup;
import io.swapgate.gateway.config.SwapgateConfig;
import io.swapgate.gateway.serving.AdapterSwaps;
import io.swapgate.gateway.serving.Generations;
import io.swapgate.gateway.serving.ServedAdapters;
import io.swapgate.gateway.tenancy.TenantDirectory;
import io.swapgate.gateway.training.TrainingLoop;
import io.swapgate.kafka.DurableIntake;
import io.swapgate.kafka.KafkaTopics;
import io.swapgate.kafka.RequestBridge;
import io.swapgate.proto.v1.KafkaRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * Kafka, on when {@code swapgate.kafka.bootstrap-servers} is set: creates the topics if absent, runs the
 * {@link RequestBridge} with the gateway's generations, and relays adapter changes between replicas
 * ({@link AdapterEventRelay}). On shutdown it stops consuming first, lets what it started finish (within the engine's
 * grace period) and commits.
 */
@Startup
@ApplicationScoped
public class KafkaBridge {

    private static final Logger LOG = Logger.getLogger(KafkaBridge.class);

    private final SwapgateConfig.Kafka config;
    private final java.time.Duration grace;
    /** How long a reachability answer is reused: probes come every few seconds from every kubelet. */
    private static final long REACHABILITY_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private RequestBridge<KafkaRequest> bridge;
    private KafkaTopics topics;
    private Admin admin;
    private volatile String lastProblem;
    private volatile long lastChecked;
    private AdapterEventRelay events;
    private DurableIntake examples;
    private AutoCloseable jobEvents;

    KafkaBridge(
            SwapgateConfig config,
            Generations generations,
            TenantDirectory tenants,
            ServedAdapters adapters,
            AdapterSwaps swaps,
            TrainingLoop training,
            MeterRegistry metrics,
            io.opentelemetry.api.OpenTelemetry telemetry,
            io.swapgate.gateway.serving.GenerationTracing tracing)
            throws InterruptedException, ExecutionException, TimeoutException {
        this.config = config.kafka();
        this.grace = config.engine().shutdownGrace();
        Optional<String> servers = this.config.bootstrapServers().filter(s -> !s.isBlank());
        if (servers.isEmpty()) {
            LOG.info(
                    "Kafka off: set swapgate.kafka.bootstrap-servers (KAFKA_BOOTSTRAP_SERVERS) to serve requests from Kafka");
            return;
        }
        this.topics = new KafkaTopics(
                this.config.topics().requests(),
                this.config.topics().responses(),
                this.config.topics().deadLetters(),
                this.config.topics().adapterEvents(),
                this.config.topics().trainingExamples(),
                this.config.topics().trainingJobs());
        KafkaClients clients = new KafkaClients(
                servers.get(), this.config.clientPropertiesFile().map(java.nio.file.Path::of), this.config.client());
        this.admin = clients.admin();
        topics.ensure(admin, this.config.partitions(), tenants.tenants());
        KafkaConsumer<byte[], byte[]> consumer =
                clients.groupConsumer(this.config.groupId(), this.config.sessionTimeout());
        KafkaProducer<byte[], byte[]> producer = clients.producer();
        this.bridge = new RequestBridge<>(
                consumer,
                producer,
                topics,
                new KafkaGenerations(
                        generations,
                        tenants.authenticator(),
                        topics.responses(),
                        tracing.enabled() ? new KafkaTracing(telemetry, topics.requests()) : null),
                new RequestBridge.Limits(
                        this.config.maxInFlight(),
                        this.config.maxInFlightPerTenant(),
                        this.config.maxBuffered(),
                        this.config.maxWaitingPerTenant()),
                this::ensureTopic);
        bridge.start();
        Gauge.builder("swapgate.kafka.requests.lag", bridge, RequestBridge::lag)
                .description("requests on this replica's partitions not yet read")
                .register(metrics);
        this.events =
                new AdapterEventRelay(adapters, swaps, metrics, producer, clients.consumer(), topics.adapterEvents());
        this.examples = new DurableIntake(
                clients.groupConsumer(this.config.trainingGroupId(), this.config.sessionTimeout()),
                producer,
                topics.trainingExamples(),
                topics.deadLetters(),
                new ExampleIntake(training, tenants.authenticator(), tenants.access()));
        examples.start();
        training.jobs()
                .ifPresent(jobs ->
                        this.jobEvents = jobs.subscribe(new TrainingJobEvents(producer, topics.trainingJobs())));
        LOG.infof(
                "serving requests from Kafka %s: %s -> %s (dead letters %s), group %s; adapter events on %s; training"
                        + " examples from %s, training jobs to %s",
                servers.get(),
                topics.requests(),
                topics.responses(),
                topics.deadLetters(),
                this.config.groupId(),
                topics.adapterEvents(),
                topics.trainingExamples(),
                topics.trainingJobs());
    }

    /** Creates a tenant's responses topic, on the bridge's thread the first time the tenant is answered. */
    private void ensureTopic(String topic) {
        try {
            topics.ensure(admin, config.partitions(), topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the responses topic " + topic + ": " + e.getMessage(), e);
        }
    }

    public boolean enabled() {
        return bridge != null;
    }

    /** Null while the brokers answer, else why not (asked at most every few seconds). */
    public synchronized String unreachable() {
        long now = System.nanoTime();
        if (lastChecked == 0 || now - lastChecked > REACHABILITY_TTL_NANOS) {
            try {
                admin.describeCluster().nodes().get(2, java.util.concurrent.TimeUnit.SECONDS);
                lastProblem = null;
            } catch (Exception e) {
                lastProblem = "no Kafka broker answered within 2 s: " + e;
            }
            lastChecked = now;
        }
        return lastProblem;
    }

    /** Before the engine drains (a lower priority runs first): stop taking requests, finish, commit. */
    void stop(@Observes @Priority(1) ShutdownDelayInitiatedEvent event) throws Exception {
        if (bridge != null) {
            if (jobEvents != null) {
                jobEvents.close();
            }
            bridge.close(grace);
            events.close();
            examples.close();
            admin.close();
        }
    }
}
