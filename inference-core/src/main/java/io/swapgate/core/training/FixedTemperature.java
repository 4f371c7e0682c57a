package io.swapgate.core.training;

/**
 * The single temperature under which the base model best predicts a set of examples, found by a sweep.
 *
 * @param loss mean negative log-likelihood per target at that temperature
 * @param entropy mean entropy (nats) of the base model's distributions at that temperature
 */
public record FixedTemperature(double temperature, double loss, double entropy) {}
