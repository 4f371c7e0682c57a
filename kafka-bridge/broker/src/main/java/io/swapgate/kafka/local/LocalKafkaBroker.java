package io.swapgate.kafka.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one process) in a child JVM, for tests and
 * the local default: development tooling, kept out of the gateway's jars. Its jars come from the classpath file this
 * module records ({@code target/broker.classpath}), named by {@value #CLASSPATH_PROPERTY}, so neither Scala nor the
 * broker ever reaches the caller's classpath. The data directory survives {@link #kill} and {@link #restart}, as a real
 * broker's disk would.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    /** System property naming the broker's classpath file; the build and the launcher set it. */
    public static final String CLASSPATH_PROPERTY = "swapgate.kafka.broker-classpath";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /**
     * A listener that takes only mutual TLS: the broker presents {@code keyStore} and accepts clients whose
     * certificate {@code trustStore} holds (both PKCS12, one password).
     */
    public record MutualTls(Path keyStore, Path trustStore, String password) {}

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String classpath;
    private final MutualTls tls;
    private final int tlsPort;
    private Process process;

    private LocalKafkaBroker(Path dir, int port, int controllerPort, String classpath, MutualTls tls, int tlsPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.classpath = classpath;
        this.tls = tls;
        this.tlsPort = tlsPort;
    }

    /** Starts a broker on free ports, keeping its data and log under {@code dir}; returns once it accepts connections. */
    public static LocalKafkaBroker start(Path dir) throws IOException, InterruptedException {
        return start(dir, freePort());
    }

    /** Starts a broker on {@code port} (its controller on another free port). */
    public static LocalKafkaBroker start(Path dir, int port) throws IOException, InterruptedException {
        return start(dir, port, null);
    }

    /** Starts a broker with a second listener, on another free port, that takes only mutual TLS. */
    public static LocalKafkaBroker startWithTls(Path dir, MutualTls tls) throws IOException, InterruptedException {
        return start(dir, freePort(), tls);
    }

    private static LocalKafkaBroker start(Path dir, int port, MutualTls tls) throws IOException, InterruptedException {
        LocalKafkaBroker broker = new LocalKafkaBroker(
                dir.toAbsolutePath(), port, freePort(), brokerClasspath(), tls, tls == null ? -1 : freePort());
        broker.configure();
        broker.restart();
        return broker;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The mutual-TLS listener's address. */
    public String tlsBootstrapServers() {
        if (tls == null) {
            throw new IllegalStateException("this broker has no TLS listener");
        }
        return "localhost:" + tlsPort;
    }

    /** Where the broker's output goes. */
    public Path log() {
        return dir.resolve("broker.log");
    }

    /** Starts the broker process again (after {@link #kill} or {@link #close}) on the same ports and data. */
    public synchronized void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is running");
        }
        List<String> command =
                java("kafka.Kafka", dir.resolve("server.properties").toString());
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        process.getOutputStream().close();
        awaitListening();
    }

    /** SIGKILL: no shutdown, no flush, as a crashed machine. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** Stops the broker cleanly (SIGTERM), waiting for it to exit. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    /** Writes the configuration and, the first time, formats the data directory with a new cluster id. */
    private void configure() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path data = dir.resolve("data");
        Files.writeString(
                dir.resolve("server.properties"),
                String.join(
                        "\n",
                        "process.roles=broker,controller",
                        "node.id=1",
                        "controller.quorum.voters=1@localhost:" + controllerPort,
                        "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort
                                + (tls == null ? "" : ",SSL://localhost:" + tlsPort),
                        "advertised.listeners=PLAINTEXT://localhost:" + port
                                + (tls == null ? "" : ",SSL://localhost:" + tlsPort),
                        "controller.listener.names=CONTROLLER",
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                                + (tls == null ? "" : ",SSL:SSL"),
                        tls == null
                                ? ""
                                : String.join(
                                        "\n",
                                        "ssl.keystore.type=PKCS12",
                                        "ssl.keystore.location="
                                                + tls.keyStore().toAbsolutePath(),
                                        "ssl.keystore.password=" + tls.password(),
                                        "ssl.key.password=" + tls.password(),
                                        "ssl.truststore.type=PKCS12",
                                        "ssl.truststore.location="
                                                + tls.trustStore().toAbsolutePath(),
                                        "ssl.truststore.password=" + tls.password(),
                                        "ssl.client.auth=required"),
                        "log.dirs=" + data,
                        "num.partitions=4",
                        "auto.create.topics.enable=false",
                        "offsets.topic.replication.factor=1",
                        "offsets.topic.num.partitions=4",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        "group.initial.rebalance.delay.ms=0",
                        // A restart after a kill waits until the controller gives up on the dead incarnation's
                        // session: 9 s at Kafka's default, 2 s here (one node, heartbeats over loopback).
                        "broker.session.timeout.ms=2000",
                        "broker.heartbeat.interval.ms=500",
                        ""),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("log4j2.properties"), """
                rootLogger.level=WARN
                rootLogger.appenderRef.out.ref=out
                appender.out.type=Console
                appender.out.name=out
                appender.out.layout.type=PatternLayout
                appender.out.layout.pattern=%d{ISO8601} %-5p [%c{1}] %m%n
                logger.started.name=kafka.server.KafkaRaftServer
                logger.started.level=INFO
                """, StandardCharsets.UTF_8);
        if (Files.exists(data.resolve("meta.properties"))) {
            return;
        }
        List<String> format = java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                clusterId(),
                "-c",
                dir.resolve("server.properties").toString());
        Process formatting = new ProcessBuilder(format)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
            formatting.destroyForcibly();
            throw new IOException("formatting the Kafka data directory failed; see " + log() + ":\n" + tail());
        }
    }

    private List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m",
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-cp",
                classpath,
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("localhost", port), 500);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IOException(
                            "the Kafka broker exited with " + process.exitValue() + " while starting:\n" + tail());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "the Kafka broker did not listen on " + port + " within " + START_TIMEOUT + ":\n" + tail());
                }
                process.waitFor(100, TimeUnit.MILLISECONDS); // or wakes at once if it exits
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * A KRaft cluster id: 16 random bytes, base64url without padding (the form Kafka's Uuid prints). Like Kafka's own,
     * never one starting with '-', which the storage tool would read as an option (1 start in 64 failed before).
     */
    private static String clusterId() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        String id;
        do {
            random.nextBytes(bytes);
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (id.startsWith("-"));
        return id;
    }

    private static String brokerClasspath() {
        String configured = System.getProperty(CLASSPATH_PROPERTY);
        if (configured == null) {
            throw new IllegalStateException("set -D" + CLASSPATH_PROPERTY + " to the kafka-broker module's"
                    + " target/broker.classpath (./mvnw -pl kafka-bridge/broker package writes it)");
        }
        Path file = Path.of(configured);
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "no Kafka broker classpath at " + file + ": build the kafka-broker module first"
                            + " (./mvnw -pl kafka-bridge/broker package)",
                    e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * {@code ./swapgate kafka}: runs a broker until interrupted. Arguments: {@code [DIR] [PORT]} (defaults
     * .swapgate/kafka and 9092). Prints the bootstrap address once it listens.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : ".swapgate/kafka");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        LocalKafkaBroker broker = start(dir, port, null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        System.out.println("Kafka broker listening on " + broker.bootstrapServers() + " (data and log in " + dir + ")");
        System.out.flush();
        broker.process.waitFor();
    }
}
