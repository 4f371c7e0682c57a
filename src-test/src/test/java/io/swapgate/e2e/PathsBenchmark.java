package io.swapgate.e2e;

import io.swapgate.core.model.LlamaConfig;
import io.swapgate.kafka.local.LocalKafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The same workload (8 closed-loop greedy streams on the synthetic ~30M Llama) on three paths: the engine in this JVM,
 * the packaged gateway over gRPC, and the gateway over Kafka (a real broker): what gRPC and Kafka each add per output
 * token. Run with {@code ./swapgate bench paths}; writes paths.md/.csv/.png.
 */
class PathsBenchmark {

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "paths|all")
    void inProcessAgainstGrpcAgainstKafka() throws Exception {
        LlamaConfig shape = SyntheticModels.SMALL;
        Path model = SyntheticModels.folder(shape);
        Path dir = E2e.targetDir().resolve("paths-bench");
        E2e.deleteTree(dir);
        LoadGenerator.Workload workload = new LoadGenerator.Workload(
                ScalingBenchmark.PROMPTS, 48, 80, List.of(List.of()), List.of(GatewayProcess.DEMO_KEY), 11);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("broker"));
                EngineTarget engine = new EngineTarget(model, 32, 2048);
                GatewayProcess gateway = GatewayProcess.start(
                        "paths-bench",
                        model,
                        dir.resolve("registry"),
                        Map.of("swapgate.kafka.bootstrap-servers", broker.bootstrapServers()));
                KafkaTarget kafka = new KafkaTarget(broker.bootstrapServers())) {
            new Comparison(
                            List.of(
                                    new Comparison.Contender("in-process engine", engine, workload),
                                    new Comparison.Contender("gateway over gRPC", new GrpcTarget(gateway), workload),
                                    new Comparison.Contender("gateway over Kafka", kafka, workload)),
                            8,
                            24,
                            3)
                    .run()
                    .report(
                            "paths",
                            "Serving paths: " + SyntheticModels.name(shape) + ", greedy streams of 48-80 tokens",
                            "In-process vs gRPC vs Kafka, 8 streams, " + SyntheticModels.name(shape));
        }
    }
}
