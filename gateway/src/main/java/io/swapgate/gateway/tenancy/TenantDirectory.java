package io.swapgate.gateway.tenancy;

import io.quarkus.runtime.Startup;
import io.swapgate.core.engine.TenantPolicy;
import io.swapgate.gateway.config.SwapgateConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The tenants: their keys, weights, quotas and what is shared with them, from configuration and the key file. Also
 * the engine's {@link TenantPolicy}. Fails at startup on a missing key file or an invalid setting.
 */
@Startup
@ApplicationScoped
public class TenantDirectory implements TenantPolicy {

    private static final Logger LOG = Logger.getLogger(TenantDirectory.class);
    /** Keys documented for the local default; a gateway accepting them must never be reachable from outside. */
    private static final List<String> WELL_KNOWN_KEYS = List.of("demo-key", "admin-key");

    private final ApiKeys keys;
    private final Authenticator authenticator;
    private final Access access;
    private final QuotaLimits defaults;
    private final Map<String, QuotaLimits> limits = new HashMap<>();
    private final Map<String, Double> weights = new HashMap<>();
    private final Quotas quotas;

    TenantDirectory(SwapgateConfig config, @ConfigProperty(name = "quarkus.http.host") String host) {
        SwapgateConfig.Tenancy tenancy = config.tenancy();
        Path keyFile = Path.of(tenancy.keysFile());
        boolean reachableFromOutside = !ListenAddress.isLoopback(host);
        try {
            this.keys = new ApiKeys(keyFile, reachableFromOutside ? Set.copyOf(WELL_KNOWN_KEYS) : Set.of());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the API key file " + keyFile.toAbsolutePath()
                            + " (create one with ./swapgate keys add, or set swapgate.tenancy.keys-file)",
                    e);
        }
        this.authenticator = new Authenticator(keys);
        this.access = new Access(tenancy.sharing());
        this.defaults = QuotaLimits.of(tenancy.quotas());
        tenancy.tenants().forEach((tenant, settings) -> {
            limits.put(tenant, defaults.with(settings.quotas()));
            double weight = settings.weight().orElse(1);
            if (!(weight > 0)) {
                throw new IllegalArgumentException(
                        "tenant '" + tenant + "' has weight " + weight + "; weights must be positive");
            }
            weights.put(tenant, weight);
        });
        this.quotas = new Quotas(this::limits, System::nanoTime);
        LOG.infof("tenancy: %d keys for tenants %s from %s", keys.tenants().size(), keys.tenants(), keyFile);
        for (String wellKnown : WELL_KNOWN_KEYS) {
            if (reachableFromOutside && keys.lists(wellKnown)) {
                throw new IllegalStateException("the well-known local key '" + wellKnown + "' is in " + keyFile
                        + " while the gateway listens on " + host
                        + ", which others can reach: remove it first (./swapgate keys rm),"
                        + " or listen on loopback only (SWAPGATE_HOST=127.0.0.1)");
            }
            Caller caller = keys.authenticate(wellKnown);
            if (caller != null) {
                LOG.warnf(
                        "the well-known local key '%s' is accepted (tenant %s, roles %s): never expose this gateway "
                                + "beyond this machine; remove its line from %s",
                        wellKnown, caller.tenant(), caller.roles(), keyFile);
            }
        }
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public Access access() {
        return access;
    }

    public Quotas quotas() {
        return quotas;
    }

    /** Tenants that hold keys now. */
    public java.util.Set<String> tenants() {
        return keys.tenants();
    }

    public QuotaLimits limits(String tenant) {
        return limits.getOrDefault(tenant, defaults);
    }

    @Override
    public double weight(String tenant) {
        return weights.getOrDefault(tenant, 1.0);
    }

    @Override
    public int maxQueued(String tenant) {
        return limits(tenant).queuedRequests();
    }
}
