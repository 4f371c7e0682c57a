package io.swapgate.gateway.cli;

import io.swapgate.core.adapter.Adapter;
import io.swapgate.core.adapter.AdapterLimits;
import io.swapgate.core.adapter.PeftAdapterReader;
import io.swapgate.core.adapter.BaseModelIdentity;
import io.swapgate.core.adapter.LoraModule;
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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code swapgate adapters make-random ...}: writes an adapter with random, non-zero weights for a base model in the
 * PEFT layout, for demos, benchmarks and trying the API.
 */
public final class MakeRandomAdaptersCommand {

    static final String USAGE = """
            usage: swapgate adapters make-random --model PATH --out DIR --kind KIND [flags]
              --kind K            lora | dylora | prompt | prefix | tempnet
              --rank R            LoRA rank (default 8); for dylora the largest rank
              --min-rank R        dylora's smallest rank (default 1)
              --alpha A           LoRA alpha (default 2 x rank)
              --modules LIST      LoRA targets, comma-separated (default q_proj,k_proj,v_proj,o_proj)
              --virtual-tokens N  prompt/prefix length (default 8)
              --input I           tempnet input: logits | hidden (default logits)
              --hidden-size H     tempnet hidden units (default 32)
              --name N            name recorded in the files (default: the folder name)
              --seed S            random seed (default 1)
              --registry DIR      also publish it into the registry at DIR (offline; the gateway need not run)
              --publish T/NAME    the name to publish under (with --registry)
              --promote ALIAS     an alias to point at it (with --registry), e.g. stable
            """;

    private MakeRandomAdaptersCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || args[1].equals("--help")) {
            err.print(USAGE);
            return 2;
        }
        Flags flags;
        try {
            flags = Flags.parse(args);
        } catch (IllegalArgumentException e) {
            return CommandLine.usageError(err, USAGE, e.getMessage());
        }
        LoadedModel model = ModelLoader.load(flags.model);
        BaseModelIdentity base = BaseModelIdentity.of(model.name(), model.config(), model.weights());
        RandomAdapters random = new RandomAdapters(model.config(), flags.seed);
        String name = flags.name != null ? flags.name : flags.out.getFileName().toString();
        Adapter adapter = switch (flags.kind) {
            case "lora" -> random.lora(name, flags.rank, flags.alpha(), false, 0, flags.modules);
            case "dylora" -> random.lora(name, flags.rank, flags.alpha(), false, flags.minRank, flags.modules);
            case "prompt" -> random.prompt(name, flags.virtualTokens);
            case "prefix" -> random.prefix(name, flags.virtualTokens);
            default -> random.tempNet(name, flags.input, flags.hiddenSize);
        };
        try {
            PeftAdapterWriter.write(flags.out, adapter, base);
        } catch (IOException e) {
            err.println("error: cannot write " + flags.out + ": " + e.getMessage());
            return 1;
        }
        out.printf("wrote %s adapter for %s to %s (%d bytes of parameters)%n", flags.kind, model.name(), flags.out, adapter.bytes());
        if (flags.registry != null) {
            try {
                FileSystemAdapterRegistry registry = new FileSystemAdapterRegistry(flags.registry,
                        new PeftAdapterReader(base, AdapterLimits.defaults(model.config().contextLength())), Clock.systemUTC());
                VersionMetadata published = registry.publishFolder(flags.out, new PublishRequest(AdapterName.parse(flags.publish),
                        "make-random", null, Map.of("origin", "random"), Map.of(), flags.promote));
                out.printf("published %s@%s%n", published.name(), published.version());
            } catch (IOException | RuntimeException e) {
                err.println("error: cannot publish to " + flags.registry + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    private static final class Flags {
        Path model;
        Path out;
        String kind;
        String name;
        int rank = 8;
        int minRank = 1;
        Float alpha;
        Set<LoraModule> modules = EnumSet.of(LoraModule.Q, LoraModule.K, LoraModule.V, LoraModule.O);
        int virtualTokens = 8;
        TempNetAdapter.Input input = TempNetAdapter.Input.LOGITS;
        int hiddenSize = 32;
        long seed = 1;
        Path registry;
        String publish;
        String promote;

        float alpha() {
            return alpha != null ? alpha : 2f * rank;
        }

        static Flags parse(String[] args) {
            Flags f = new Flags();
            for (int i = 1; i < args.length; i++) {
                String flag = args[i];
                String value = GenerateOptions.value(args, ++i, flag);
                try {
                    switch (flag) {
                        case "--model" -> f.model = Path.of(value);
                        case "--out" -> f.out = Path.of(value);
                        case "--kind" -> f.kind = value.toLowerCase(Locale.ROOT);
                        case "--name" -> f.name = value;
                        case "--rank" -> f.rank = Integer.parseInt(value);
                        case "--min-rank" -> f.minRank = Integer.parseInt(value);
                        case "--alpha" -> f.alpha = Float.parseFloat(value);
                        case "--modules" -> f.modules = modules(value);
                        case "--virtual-tokens" -> f.virtualTokens = Integer.parseInt(value);
                        case "--input" -> f.input = TempNetAdapter.Input.valueOf(value.toUpperCase(Locale.ROOT));
                        case "--hidden-size" -> f.hiddenSize = Integer.parseInt(value);
                        case "--seed" -> f.seed = Long.parseLong(value);
                        case "--registry" -> f.registry = Path.of(value);
                        case "--publish" -> f.publish = value;
                        case "--promote" -> f.promote = value;
                        default -> throw new IllegalArgumentException("unexpected argument '" + flag + "'");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
                }
            }
            if (f.model == null || f.out == null || f.kind == null) {
                throw new IllegalArgumentException("--model, --out and --kind are required");
            }
            if ((f.registry == null) != (f.publish == null)) {
                throw new IllegalArgumentException("--registry and --publish go together");
            }
            if (!Set.of("lora", "dylora", "prompt", "prefix", "tempnet").contains(f.kind)) {
                throw new IllegalArgumentException("unknown kind '" + f.kind + "'");
            }
            if (f.rank <= 0 || f.minRank <= 0 || f.minRank > f.rank || f.virtualTokens <= 0 || f.hiddenSize <= 0) {
                throw new IllegalArgumentException("ranks, virtual tokens and hidden size must be positive (and --min-rank <= --rank)");
            }
            return f;
        }

        private static Set<LoraModule> modules(String list) {
            Set<LoraModule> modules = EnumSet.noneOf(LoraModule.class);
            for (String name : list.split(",")) {
                modules.add(LoraModule.byName(name.trim())
                        .orElseThrow(() -> new IllegalArgumentException("unknown module '" + name + "'")));
            }
            return modules;
        }
    }
}
