package io.swapgate.gateway.serving;

import io.swapgate.core.engine.GenerationRequest;
import io.swapgate.gateway.tenancy.QuotaPermit;

/**
 * A generation let in: the engine request (its adapter versions pinned) and the tenant's quota permit, both held
 * until {@link Generations#end}.
 *
 * @param adapterLoadNanos time spent resolving and loading its adapters
 */
public record Admission(GenerationRequest request, QuotaPermit permit, long adapterLoadNanos) {}
