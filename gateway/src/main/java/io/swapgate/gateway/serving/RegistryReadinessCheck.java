package io.swapgate.gateway.serving;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the adapter registry can be read (requests naming adapters need it). */
@Readiness
@ApplicationScoped
public class RegistryReadinessCheck implements HealthCheck {

    private final ServedAdapters adapters;

    RegistryReadinessCheck(ServedAdapters adapters) {
        this.adapters = adapters;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("adapter-registry")
                .withData("root", adapters.registry().root().toString());
        try {
            return response.withData("adapters", adapters.registry().names(null).size())
                    .up()
                    .build();
        } catch (IOException | RuntimeException e) {
            return response.withData("error", String.valueOf(e.getMessage()))
                    .down()
                    .build();
        }
    }
}
