package io.swapgate.gateway.tenancy;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** One tenant's counters since the gateway started. Thread-safe; written on every request, read by metrics. */
public final class TenantUsage {

    private final String tenant;
    private final LongAdder requests = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder adapterLoadNanos = new LongAdder();
    private final LongAdder sampledTokens = new LongAdder();
    private final LongAdder firstTokens = new LongAdder();
    private final LongAdder firstTokenNanos = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    TenantUsage(String tenant) {
        this.tenant = tenant;
    }

    public String tenant() {
        return tenant;
    }

    public void admitted(long adapterLoadNanos) {
        requests.increment();
        this.adapterLoadNanos.add(adapterLoadNanos);
    }

    public void finished(int prompt, int generated) {
        promptTokens.add(prompt);
        generatedTokens.add(generated);
    }

    /** Tokens sampled for a request still running: the live count, where {@link #generatedTokens} waits for the end. */
    public void sampled(int tokens) {
        sampledTokens.add(tokens);
    }

    /** A request's first token came this long after it was submitted. */
    public void firstToken(long nanos) {
        firstTokens.increment();
        firstTokenNanos.add(nanos);
    }

    public long sampledTokens() {
        return sampledTokens.sum();
    }

    public long firstTokens() {
        return firstTokens.sum();
    }

    public long firstTokenNanos() {
        return firstTokenNanos.sum();
    }

    /** A call refused or failed with a gRPC status (by name). */
    public void failed(String status) {
        errors.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    public long requests() {
        return requests.sum();
    }

    public long promptTokens() {
        return promptTokens.sum();
    }

    public long generatedTokens() {
        return generatedTokens.sum();
    }

    public double adapterLoadSeconds() {
        return adapterLoadNanos.sum() / 1e9;
    }

    public long errors(String status) {
        LongAdder count = errors.get(status);
        return count == null ? 0 : count.sum();
    }

    /** Errors by status name, sorted. */
    public Map<String, Long> errors() {
        Map<String, Long> snapshot = new TreeMap<>();
        errors.forEach((status, count) -> snapshot.put(status, count.sum()));
        return snapshot;
    }
}
