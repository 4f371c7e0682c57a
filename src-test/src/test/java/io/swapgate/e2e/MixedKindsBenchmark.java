package io.swapgate.e2e;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LlamaConfig;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.PublishRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What mixing adapter kinds in one batch costs: 8 closed-loop streams through the gateway over gRPC on the synthetic
 * ~30M Llama, once with no adapters and once with every request using LoRA, prompt tuning, prefix tuning, a TempNet, a
 * composition of them, a weighted blend of two LoRAs, a DoRA or an IA3, alternated. Run with {@code ./swapgate bench mixed}; writes mixed.md/.csv/.png.
 */
class MixedKindsBenchmark {

    private static final List<List<String>> MIXED = List.of(
            List.of("demo/lora"),
            List.of("demo/prompt"),
            List.of("demo/prefix"),
            List.of("demo/tempnet"),
            List.of("demo/lora", "demo/prefix", "demo/tempnet"),
            List.of("demo/lora", "demo/prompt"),
            List.of("demo/lora:0.7", "demo/mlp-lora:0.3"),
            List.of("demo/dora"),
            List.of("demo/ia3", "demo/prompt"),
            List.of("demo/lora:0.5", "demo/mlp-lora:0.5", "demo/prefix"));

    @Test
    @EnabledIfSystemProperty(named = "bench", matches = "mixed|all")
    void mixedAdapterKindsAgainstNone() throws Exception {
        LlamaConfig shape = SyntheticModels.SMALL;
        Path model = SyntheticModels.folder(shape);
        Path dir = E2e.targetDir().resolve("mixed-bench");
        E2e.deleteTree(dir);
        publishOneOfEachKind(model, shape, dir.resolve("registry"));
        try (GatewayProcess gateway = GatewayProcess.start("mixed-bench", model, dir.resolve("registry"))) {
            GrpcTarget grpc = new GrpcTarget(gateway);
            LoadGenerator.Workload none = new LoadGenerator.Workload(
                    ScalingBenchmark.PROMPTS, 48, 80, List.of(List.of()), List.of(GatewayProcess.DEMO_KEY), 13);
            LoadGenerator.Workload mixed = new LoadGenerator.Workload(
                    ScalingBenchmark.PROMPTS, 48, 80, MIXED, List.of(GatewayProcess.DEMO_KEY), 13);
            new Comparison(
                            List.of(
                                    new Comparison.Contender("no adapters", grpc, none),
                                    new Comparison.Contender("mixed kinds", grpc, mixed)),
                            8,
                            24,
                            3)
                    .run()
                    .report(
                            "mixed",
                            "Mixed adapter kinds: " + SyntheticModels.name(shape) + ", gRPC, requests rotating over "
                                    + MIXED,
                            "No adapters vs LoRA/prompt/prefix/TempNet/blends/DoRA/IA3 mixed, 8 streams, "
                                    + SyntheticModels.name(shape));
        }
    }

    /**
     * Random LoRAs (rank 8 on q/k/v/o, and rank 8 on gate/up/down to blend with it), a DoRA (rank 8 on q/k/v/o), an
     * IA3 (PEFT's Llama default: k and v outputs, down_proj inputs),
     * prompt and prefix (8 virtual tokens) and TempNet, bound to the model.
     */
    private static void publishOneOfEachKind(Path model, LlamaConfig shape, Path registryDir) throws Exception {
        LoadedModel base = ModelLoader.load(model);
        BaseModelIdentity identity = BaseModelIdentity.of(base.name(), base.config(), base.weights());
        FileSystemAdapterRegistry registry = new FileSystemAdapterRegistry(
                registryDir,
                new PeftAdapterReader(identity, AdapterLimits.defaults(shape.contextLength())),
                Clock.systemUTC());
        RandomAdapters random = new RandomAdapters(shape, 5);
        Map<String, Adapter> adapters = Map.of(
                "lora",
                        random.lora(
                                "lora",
                                8,
                                16f,
                                false,
                                0,
                                EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O)),
                "mlp-lora",
                        random.lora(
                                "mlp-lora",
                                8,
                                16f,
                                false,
                                0,
                                EnumSet.of(LoraModule.GATE, LoraModule.UP, LoraModule.DOWN)),
                "dora",
                        random.dora(
                                "dora",
                                8,
                                16f,
                                EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O),
                                base.weights().layers()),
                "ia3", random.ia3("ia3", EnumSet.of(LoraModule.K, LoraModule.V), EnumSet.of(LoraModule.DOWN)),
                "prompt", random.prompt("prompt", 8),
                "prefix", random.prefix("prefix", 8),
                "tempnet", random.tempNet("tempnet", TempNetAdapter.Input.HIDDEN, 64));
        for (Map.Entry<String, Adapter> adapter : adapters.entrySet()) {
            Path folder = Files.createTempDirectory("swapgate-mixed");
            PeftAdapterWriter.write(folder, adapter.getValue(), identity);
            registry.publishFolder(
                    folder,
                    new PublishRequest(
                            AdapterName.parse("demo/" + adapter.getKey()),
                            "bench",
                            null,
                            Map.of(),
                            Map.of(),
                            "stable"));
            E2e.deleteTree(folder);
        }
    }
}
