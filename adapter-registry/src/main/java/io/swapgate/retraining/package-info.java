/**
 * Retraining orchestration: jobs, their queue (fair across tenants), claims across replicas, the retraining policy,
 * the evaluation gate and the runner that trains, evaluates and publishes. It uses the registry ({@code
 * io.swapgate.registry}) as its storage and the core's trainer as its backend; neither depends on it.
 */
package io.swapgate.retraining;
