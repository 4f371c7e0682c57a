/**
 * Wire messages made from domain values: generation results, adapter versions and events, training jobs. Every
 * transport (gRPC, Kafka, the console, the monitor) maps through this package instead of through another transport.
 */
package io.swapgate.gateway.messages;
