package io.swapgate.gateway.serving;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded (the bean is built at startup) and while its engine thread runs. */
@Readiness
@ApplicationScoped
public class ModelReadinessCheck implements HealthCheck {

    private final ServedModel model;

    ModelReadinessCheck(ServedModel model) {
        this.model = model;
    }

    @Override
    public HealthCheckResponse call() {
        var stats = model.engine().stats();
        return HealthCheckResponse.named("model")
                .withData("model", model.name())
                .withData("running", stats.running())
                .withData("queued", stats.queued())
                .status(model.engine().alive())
                .build();
    }
}
