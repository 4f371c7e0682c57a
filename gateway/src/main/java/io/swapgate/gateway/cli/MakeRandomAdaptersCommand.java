package io.swapgate.gateway.cli;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.PeftAdapterWriter;
import io.swapgate.core.adapter.RandomAdapters;
import io.swapgate.core.adapter.TempNetAdapter;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.model.LoadedModel;
import io.swapgate.registry.AdapterName;
import io.swapgate.registry.FileSystemAdapterRegistry;
import io.swapgate.registry.PublishRequest;
import io.swapgate.registry.VersionMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code swapgate adapters make-random ...}: writes an adapter with random, non-zero weights for a base model in the
 * PEFT layout, for demos, benchmarks and trying the API.
 */
@Command(
        name = "make-random",
        description = "Write an adapter with random, non-zero weights for a base model (PEFT layout).")
final class MakeRandomAdaptersCommand implements Callable<Integer> {

    private static final Set<String> KINDS = Set.of("lora", "dylora", "prompt", "prefix", "tempnet");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "The base model.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write it.")
    Path out;

    @Option(
            names = "--kind",
            required = true,
            paramLabel = "KIND",
            description = "lora | dylora | prompt | prefix | tempnet.")
    String kind;

    @Option(
            names = "--rank",
            defaultValue = "8",
            description = "LoRA rank (default: ${DEFAULT-VALUE}); for dylora the largest rank.")
    int rank;

    @Option(
            names = "--min-rank",
            defaultValue = "1",
            description = "DyLoRA's smallest rank (default: ${DEFAULT-VALUE}).")
    int minRank;

    @Option(names = "--alpha", description = "LoRA alpha (default: 2 x rank).")
    Float alpha;

    @Option(
            names = "--modules",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "q_proj,k_proj,v_proj,o_proj",
            description = "LoRA targets, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> modules;

    @Option(
            names = "--virtual-tokens",
            defaultValue = "8",
            description = "Prompt/prefix length (default: ${DEFAULT-VALUE}).")
    int virtualTokens;

    @Option(
            names = "--input",
            defaultValue = "logits",
            description = "TempNet input: logits | hidden (default: ${DEFAULT-VALUE}).")
    String input;

    @Option(
            names = "--hidden-size",
            defaultValue = "32",
            description = "TempNet hidden units (default: ${DEFAULT-VALUE}).")
    int hiddenSize;

    @Option(names = "--name", description = "Name recorded in the files (default: the folder's name).")
    String name;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--registry",
            paramLabel = "DIR",
            description = "Also publish it into the registry at DIR (offline; the gateway need not run).")
    Path registry;

    @Option(names = "--publish", paramLabel = "T/NAME", description = "The name to publish under (with --registry).")
    String publish;

    @Option(
            names = "--promote",
            paramLabel = "ALIAS",
            description = "An alias to point at it (with --registry), e.g. stable.")
    String promote;

    @Override
    public Integer call() {
        String kind = this.kind.toLowerCase(Locale.ROOT);
        check(kind);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadedModel model = ModelLoader.load(this.model);
        BaseModelIdentity base = BaseModelIdentity.of(model.name(), model.config(), model.weights());
        RandomAdapters random = new RandomAdapters(model.config(), seed);
        String name = this.name != null ? this.name : this.out.getFileName().toString();
        float alpha = this.alpha != null ? this.alpha : 2f * rank;
        Adapter adapter = switch (kind) {
            case "lora" -> random.lora(name, rank, alpha, false, 0, modules());
            case "dylora" -> random.lora(name, rank, alpha, false, minRank, modules());
            case "prompt" -> random.prompt(name, virtualTokens);
            case "prefix" -> random.prefix(name, virtualTokens);
            default -> random.tempNet(name, TempNetAdapter.Input.valueOf(input.toUpperCase(Locale.ROOT)), hiddenSize);
        };
        try {
            PeftAdapterWriter.write(this.out, adapter, base);
        } catch (IOException e) {
            err.println("error: cannot write " + this.out + ": " + e.getMessage());
            return 1;
        }
        out.printf(
                "wrote %s adapter for %s to %s (%d bytes of parameters)%n",
                kind, model.name(), this.out, adapter.bytes());
        if (registry != null) {
            try {
                FileSystemAdapterRegistry store = new FileSystemAdapterRegistry(
                        registry,
                        new PeftAdapterReader(
                                base, AdapterLimits.defaults(model.config().contextLength())),
                        Clock.systemUTC());
                VersionMetadata published = store.publishFolder(
                        this.out,
                        new PublishRequest(
                                AdapterName.parse(publish),
                                "make-random",
                                null,
                                Map.of("origin", "random"),
                                Map.of(),
                                promote));
                out.printf("published %s@%s%n", published.name(), published.version());
            } catch (IOException | RuntimeException e) {
                err.println("error: cannot publish to " + registry + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    /** The rules between flags that picocli does not know; a broken one is a usage error. */
    private void check(String kind) {
        if ((registry == null) != (publish == null)) {
            throw new IllegalArgumentException("--registry and --publish go together");
        }
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown kind '" + kind + "'");
        }
        if (rank <= 0 || minRank <= 0 || minRank > rank || virtualTokens <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(
                    "ranks, virtual tokens and hidden size must be positive (and --min-rank <= --rank)");
        }
        if (!input.equalsIgnoreCase("logits") && !input.equalsIgnoreCase("hidden")) {
            throw new IllegalArgumentException("--input is logits or hidden, not '" + input + "'");
        }
        modules();
    }

    private Set<LoraModule> modules() {
        Set<LoraModule> targets = EnumSet.noneOf(LoraModule.class);
        for (String module : modules) {
            targets.add(LoraModule.byName(module.trim())
                    .orElseThrow(() -> new IllegalArgumentException("unknown module '" + module + "'")));
        }
        return targets;
    }
}
