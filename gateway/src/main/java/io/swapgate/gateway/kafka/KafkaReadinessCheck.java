package io.swapgate.gateway.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** With Kafka on: ready while the brokers answer (checked at most every few seconds). Without Kafka: always up. */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {

    private final KafkaBridge kafka;

    KafkaReadinessCheck(KafkaBridge kafka) {
        this.kafka = kafka;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("kafka");
        if (!kafka.enabled()) {
            return response.withData("enabled", false).up().build();
        }
        String problem = kafka.unreachable();
        return problem == null
                ? response.up().build()
                : response.withData("error", problem).down().build();
    }
}
