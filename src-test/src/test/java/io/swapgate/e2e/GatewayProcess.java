package io.swapgate.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.swapgate.gateway.tenancy.ApiKeyHash;
import io.swapgate.proto.v1.TenantsGrpc;
import io.swapgate.proto.v1.WhoAmIRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * The packaged gateway ({@code quarkus-run.jar}) running as a child process on a free port, serving one model.
 * {@link #start} returns once {@code /q/health/ready} (on its management port) answers 200; {@link #close} stops the process and waits for it.
 * Its stdout and stderr go to {@code target/e2e-logs/<name>-<port>.log}. It accepts the keys of a copy of
 * {@code src/test/resources/e2e-keys} that tests may add to ({@link #keyFile()}); {@link #channel()} sends the admin key.
 */
final class GatewayProcess implements AutoCloseable {

    /** Tenant ops, an admin: reaches every tenant's adapters. */
    static final String ADMIN_KEY = "admin-key";
    /** Tenant demo. */
    static final String DEMO_KEY = "demo-key";

    private static final java.util.Map<String, String> UNREACHABLE_QUOTAS = java.util.Map.of(
            "swapgate.tenancy.quotas.requests-per-second", "100000",
            "swapgate.tenancy.quotas.tokens-per-minute", "1000000000",
            "swapgate.tenancy.quotas.concurrent-requests", "100000",
            "swapgate.tenancy.quotas.queued-requests", "100000");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String name;
    private final Process process;
    private final int port;
    /** Where health and metrics are served (not the API's port): scheme, host and port. */
    private final String management;

    private final Path log;
    private final Path keyFile;
    private final Thread killOnExit;
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** One channel (one connection) per API key, as a real client keeps: a channel per call would leak connections. */
    private final java.util.Map<String, ManagedChannel> keyed = new java.util.HashMap<>();

    private ManagedChannel channel;
    private Duration startup;

    private GatewayProcess(String name, Process process, int port, String management, Path log, Path keyFile) {
        this.name = name;
        this.management = management;
        this.keyFile = keyFile;
        this.process = process;
        this.port = port;
        this.log = log;
        // If the test JVM is stopped before close() (a surefire timeout, ^C), do not leave the gateway running.
        this.killOnExit = new Thread(process::destroyForcibly, "stop-gateway-" + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts a gateway serving {@code model} (a llama2.c folder, a .gguf file or a Hugging Face folder) and waits until it
     * is ready. Its adapter registry is {@code target/e2e-registry/<name>}.
     */
    static GatewayProcess start(String name, Path model) throws IOException, InterruptedException {
        return start(name, model, registryDir(name));
    }

    /** The adapter registry a gateway started under {@code name} serves from. */
    static Path registryDir(String name) {
        return E2e.targetDir().resolve("e2e-registry").resolve(name);
    }

    static GatewayProcess start(String name, Path model, Path registry) throws IOException, InterruptedException {
        return start(name, model, registry, java.util.Map.of());
    }

    /**
     * {@code properties} plus tenant quotas that no test's load reaches, for tests whose subject is not the quotas: on a
     * fast machine a few short streams pass the default 100 requests a second, and a refusal there is noise.
     */
    static java.util.Map<String, String> withUnreachableQuotas(java.util.Map<String, String> properties) {
        java.util.Map<String, String> all = new java.util.HashMap<>(UNREACHABLE_QUOTAS);
        all.putAll(properties);
        return all;
    }

    /** @param properties configuration properties ({@code swapgate.engine.max-batch-size} ...) passed as -D flags */
    static GatewayProcess start(String name, Path model, Path registry, java.util.Map<String, String> properties)
            throws IOException, InterruptedException {
        int port = freePort();
        int managementPort = freePort();
        Path log = E2e.logDir().resolve(name + "-" + port + ".log");
        List<String> command = new ArrayList<>(List.of(
                E2e.javaExecutable().toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "-Dai.djl.offline=true",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", E2e.gatewayJar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(E2e.repoRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SWAPGATE_MODEL", model.toAbsolutePath().toString());
        builder.environment().put("SWAPGATE_PORT", Integer.toString(port));
        builder.environment().put("SWAPGATE_MANAGEMENT_PORT", Integer.toString(managementPort));
        builder.environment().putIfAbsent("SWAPGATE_HOST", "127.0.0.1"); // the test keys are the well-known ones
        builder.environment().put("SWAPGATE_REGISTRY", registry.toAbsolutePath().toString());
        Path keys = E2e.targetDir().resolve("e2e-keys").resolve(name);
        Files.createDirectories(keys.getParent());
        Files.copy(
                E2e.repoRoot().resolve("src-test/src/test/resources/e2e-keys"),
                keys,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        builder.environment().put("SWAPGATE_KEYS", keys.toString());
        builder.environment().put("DJL_CACHE_DIR", E2e.djlCacheDir());
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as ./swapgate, the image and k8s run it
        builder.environment().putIfAbsent("THP_MEM_ALLOC_ENABLE", "1"); // the same
        long launched = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        // With a default TLS configuration, Quarkus serves the management interface over TLS too.
        String managementScheme =
                properties.keySet().stream().anyMatch(k -> k.startsWith("quarkus.tls.key-store")) ? "https" : "http";
        GatewayProcess gateway =
                new GatewayProcess(name, process, port, managementScheme + "://localhost:" + managementPort, log, keys);
        try {
            gateway.awaitReady();
            gateway.startup = Duration.ofNanos(System.nanoTime() - launched);
            return gateway;
        } catch (Throwable t) {
            gateway.close();
            throw t;
        }
    }

    /** From launching the JVM to the first ready answer: model load, engine start and server start together. */
    Duration startup() {
        return startup;
    }

    /** The gateway's resident set size in KiB, read from /proc (Linux). */
    long residentKib() throws IOException {
        return procStatusKib("VmRSS");
    }

    /** The most the gateway's resident set has been since it started, in KiB (Linux's high-water mark). */
    long peakResidentKib() throws IOException {
        return procStatusKib("VmHWM");
    }

    /** The gateway's heap in use now, in bytes: the sum over its heap pools from {@code /q/metrics}. */
    long heapUsedBytes() throws IOException, InterruptedException {
        return jvmMemoryBytes("jvm_memory_used_bytes", "heap");
    }

    /** The heap the gateway's JVM has committed now, in bytes: resident once touched, whether in use or not. */
    long heapCommittedBytes() throws IOException, InterruptedException {
        return jvmMemoryBytes("jvm_memory_committed_bytes", "heap");
    }

    /** What the JVM has committed outside the heap now, in bytes: metaspace, the JIT's code cache. */
    long nonHeapCommittedBytes() throws IOException, InterruptedException {
        return jvmMemoryBytes("jvm_memory_committed_bytes", "nonheap");
    }

    /** The sum over the JVM's memory pools in {@code area} ("heap", "nonheap") of a {@code /q/metrics} gauge. */
    private long jvmMemoryBytes(String metric, String area) throws IOException, InterruptedException {
        return (long) metrics()
                .lines()
                .filter(l -> l.startsWith(metric + "{area=\"" + area + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Open file descriptors of the gateway process (Linux). */
    long openFileDescriptors() throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    /** Threads of the gateway process (Linux). */
    long threads() throws IOException {
        return Long.parseLong(procStatusField("Threads"));
    }

    private long procStatusKib(String field) throws IOException {
        return Long.parseLong(procStatusField(field).replaceAll("[^0-9]", ""));
    }

    private String procStatusField(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IOException("no " + field + " for process " + process.pid());
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    /** The port of health and metrics. */
    int managementPort() {
        return URI.create(management).getPort();
    }

    /** A client for the management interface, which trusts the test's own certificates when it speaks TLS. */
    private static HttpClient managementClient() {
        try {
            javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
            trustAll.init(
                    null,
                    new javax.net.ssl.TrustManager[] {
                        new javax.net.ssl.X509TrustManager() {
                            @Override
                            public void checkClientTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(
                                    java.security.cert.X509Certificate[] chain, String authType) {}

                            @Override
                            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                return new java.security.cert.X509Certificate[0];
                            }
                        }
                    },
                    null);
            // HTTP/1.1: JDK 17's client upgrading a plaintext connection to HTTP/2 once read a large metrics answer
            // as HTTP/2 frames ("Frame type(110) ... exceeds MAX_FRAME_SIZE") and failed the poll.
            return HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .sslContext(trustAll)
                    .build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JVM", e);
        }
    }

    Path log() {
        return log;
    }

    /** What the gateway printed so far. */
    String output() {
        try {
            return E2e.read(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * The gateway's time-to-first-token timer ({@code swapgate.request.ttft}, from a request's submission to the
     * engine until its first token left the engine), over every series: {seconds in all, requests}.
     */
    double[] firstTokenTimer() throws IOException, InterruptedException {
        double[] sumAndCount = new double[2];
        metrics().lines().forEach(line -> {
            int at = line.startsWith("swapgate_request_ttft_seconds_sum")
                    ? 0
                    : line.startsWith("swapgate_request_ttft_seconds_count") ? 1 : -1;
            if (at >= 0) {
                sumAndCount[at] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        });
        return sumAndCount;
    }

    /** The gateway's Prometheus metrics text ({@code /q/metrics}). */
    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> response = managementClient()
                .send(
                        HttpRequest.newBuilder(URI.create(management + "/q/metrics"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** One metric's value from {@link #metrics}, or -1 when it is absent. */
    double metric(String series) throws IOException, InterruptedException {
        return metrics()
                .lines()
                .filter(l -> l.startsWith(series + " "))
                .findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElse(-1.0);
    }

    /** The key file this gateway reads (re-read on every change, so tests may add keys while it runs). */
    Path keyFile() {
        return keyFile;
    }

    /** Gives {@code tenant} the API key {@code key} in this gateway's key file, and waits until the gateway takes it. */
    void addKey(String tenant, String key) throws IOException {
        Files.writeString(
                keyFile,
                tenant + "-test " + tenant + " tenant " + ApiKeyHash.of(key) + "\n",
                StandardOpenOption.APPEND);
        var whoAmI = TenantsGrpc.newBlockingStub(channel(key)).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertEquals(tenant, whoAmI.whoAmI(WhoAmIRequest.getDefaultInstance()).getTenant());
    }

    /** A plaintext gRPC channel to the gateway sending the admin key, created on first use, shut down by {@link #close}. */
    synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = channel(ADMIN_KEY);
        }
        return channel;
    }

    /** The plaintext gRPC channel sending {@code key}, created on first use, shut down by {@link #close}. */
    synchronized ManagedChannel channel(String key) {
        return keyed.computeIfAbsent(key, k -> {
            ManagedChannel opened = openChannel(port, k);
            channels.add(opened);
            return opened;
        });
    }

    /** A plaintext gRPC channel to a gateway on localhost sending {@code key}; the caller shuts it down. */
    static ManagedChannel openChannel(int port, String key) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(
                io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return NettyChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                .build();
    }

    private void awaitReady() {
        URI ready = URI.create(management + "/q/health/ready");
        HttpClient http = managementClient();
        HttpRequest request = HttpRequest.newBuilder(ready)
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        // Callers (and tests of refused starts) get the failure as an AssertionError with the gateway's output.
        try {
            awaitReady(http, request, ready);
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private void awaitReady(HttpClient http, HttpRequest request, URI ready) {
        await().atMost(READY_TIMEOUT)
                .pollDelay(Duration.ZERO)
                .pollInterval(POLL_INTERVAL)
                .failFast(() -> {
                    if (!process.isAlive()) {
                        fail("gateway '" + name + "' exited with code " + process.exitValue() + " before it was ready"
                                + "\n--- gateway output (" + log + ") ---\n" + output());
                    }
                })
                .untilAsserted(() -> {
                    String answer;
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            return;
                        }
                        answer = "HTTP " + response.statusCode() + ": " + response.body();
                    } catch (IOException e) {
                        answer = e.toString();
                    }
                    fail("gateway '" + name + "' was not ready within " + READY_TIMEOUT + " (last answer from " + ready
                            + ": " + answer + ")\n--- gateway output (" + log + ") ---\n" + output());
                });
    }

    @Override
    public void close() throws InterruptedException {
        try {
            synchronized (this) {
                for (ManagedChannel opened : channels) {
                    opened.shutdownNow();
                    opened.awaitTermination(10, TimeUnit.SECONDS);
                }
                channels.clear();
                channel = null;
            }
        } finally {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway; the process is already gone
            }
        }
    }

    /** Sends SIGTERM (graceful shutdown) and returns the exit code, or fails if the gateway outlives {@code timeout}. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("gateway '" + name + "' still running " + timeout + " after SIGTERM\n--- gateway output ---\n"
                    + output());
        }
        return process.exitValue();
    }

    /** Kills the gateway with SIGKILL (no shutdown hooks, no flushing) and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        close();
    }

    /**
     * A port nothing listens on now, and never one this JVM handed out before: the OS may offer a closed port again at
     * once, and two of a test's servers (HTTP and TLS, a gateway and its broker) would then share it.
     */
    static int freePort() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "gateway '" + name + "' on port " + port + " (log " + log + ")";
    }
}
