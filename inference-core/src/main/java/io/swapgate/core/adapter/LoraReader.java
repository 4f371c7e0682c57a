package io.swapgate.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds a {@link LoraAdapter} (plain, DyLoRA or DoRA) from a PEFT LoRA folder. */
final class LoraReader {

    /**
     * PEFT's keys, e.g. {@code base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight}; llama2.c
     * ({@code layers.3.attention.wq}) and GGUF ({@code blk.3.attn_q}) module paths are accepted too.
     */
    private static final Pattern KEY = Pattern.compile(
            "base_model\\.model\\.(?:model\\.)?(?:layers|blk)\\.(\\d+)\\.(?:[a-z_]+\\.)?([a-z0-9_]+)\\.lora_([AB])(?:\\.default)?\\.weight");

    /** DoRA's magnitude, as PEFT saves it ({@code ...q_proj.lora_magnitude_vector}, older files with a suffix). */
    private static final Pattern MAGNITUDE = Pattern.compile(
            "base_model\\.model\\.(?:model\\.)?(?:layers|blk)\\.(\\d+)\\.(?:[a-z_]+\\.)?([a-z0-9_]+)\\.lora_magnitude_vector(?:\\.default)?(?:\\.weight)?");

    private LoraReader() {}

    static LoraAdapter read(PeftAdapterReader.PeftContext c, AdapterIdentity identity) {
        JsonNode config = c.config();
        int rank = c.positiveInt("r");
        if (rank > c.limits().maxLoraRank()) {
            throw c.configProblem("rank " + rank + " exceeds this server's maximum LoRA rank "
                    + c.limits().maxLoraRank());
        }
        refuseUnsupported(c);
        LoraAdapter.RankRange dyLora = dyLoraRange(c, rank);
        boolean dora = config.path("use_dora").asBoolean(false);
        if (dora && dyLora != null) {
            throw c.configProblem("DoRA with DyLoRA ranks is not supported: the magnitudes fit one rank only");
        }
        Set<LoraModule> targets = targetModules(c);
        // Every name and shape is checked against the header first; values are decoded only once all of them pass.
        Map<LoraModule, int[][][]> shapes = new EnumMap<>(LoraModule.class);
        Map<LoraModule, String[][]> names = new EnumMap<>(LoraModule.class);
        Map<LoraModule, String[]> magnitudes = new EnumMap<>(LoraModule.class);
        for (String name : c.names()) {
            Matcher magnitude = MAGNITUDE.matcher(name);
            if (dora && magnitude.matches()) {
                LoraModule module = module(c, name, magnitude.group(2), targets);
                int layer = layer(c, name, magnitude.group(1));
                c.checkShape(name, new int[] {module.outputs(c.base())});
                magnitudes.computeIfAbsent(module, k -> new String[c.base().layers()])[layer] = name;
                continue;
            }
            Matcher m = KEY.matcher(name);
            if (!m.matches()) {
                throw c.weightsProblem("unexpected tensor " + name + " (only lora_A/lora_B"
                        + (dora ? "/lora_magnitude_vector" : "") + " of q/k/v/o/gate/up/down)");
            }
            int layer = layer(c, name, m.group(1));
            LoraModule module = module(c, name, m.group(2), targets);
            boolean isA = m.group(3).equals("A");
            int[] shape = isA ? new int[] {rank, module.inputs(c.base())} : new int[] {module.outputs(c.base()), rank};
            c.checkShape(name, shape);
            names.computeIfAbsent(module, k -> new String[c.base().layers()][2])[layer][isA ? 0 : 1] = name;
            shapes.computeIfAbsent(module, k -> new int[c.base().layers()][2][])[layer][isA ? 0 : 1] = shape;
        }
        if (names.isEmpty()) {
            throw c.weightsProblem("no LoRA tensors");
        }
        names.forEach((module, perLayer) -> {
            String[] magnitude = magnitudes.getOrDefault(module, new String[perLayer.length]);
            for (int l = 0; l < perLayer.length; l++) {
                if ((perLayer[l][0] == null) != (perLayer[l][1] == null)) {
                    throw c.weightsProblem("layer " + l + " " + module.huggingFaceName() + " has lora_"
                            + (perLayer[l][0] == null ? "B without lora_A" : "A without lora_B"));
                }
                if (dora && (perLayer[l][0] == null) != (magnitude[l] == null)) {
                    throw c.weightsProblem("layer " + l + " " + module.huggingFaceName() + " of a DoRA adapter has "
                            + (magnitude[l] == null ? "no lora_magnitude_vector" : "a magnitude but no lora_A/B"));
                }
            }
        });
        magnitudes.keySet().stream()
                .filter(module -> !names.containsKey(module))
                .findFirst()
                .ifPresent(module -> {
                    throw c.weightsProblem(module.huggingFaceName() + " has a lora_magnitude_vector but no lora_A/B");
                });
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        names.forEach((module, perLayer) -> {
            LoraAdapter.LayerFactors[] layers = new LoraAdapter.LayerFactors[perLayer.length];
            int[][][] shaped = shapes.get(module);
            for (int l = 0; l < perLayer.length; l++) {
                layers[l] = perLayer[l][0] == null
                        ? null
                        : new LoraAdapter.LayerFactors(
                                c.tensor(perLayer[l][0], shaped[l][0]),
                                c.tensor(perLayer[l][1], shaped[l][1]),
                                dora
                                        ? c.tensor(magnitudes.get(module)[l], new int[] {module.outputs(c.base())})
                                        : null);
            }
            modules.put(module, layers);
        });
        float alpha = c.number("lora_alpha", 8f);
        return new LoraAdapter(identity, rank, alpha, config.path("use_rslora").asBoolean(false), dyLora, modules);
    }

    private static int layer(PeftAdapterReader.PeftContext c, String name, String digits) {
        int layer = Integer.parseInt(digits);
        if (layer >= c.base().layers()) {
            throw c.weightsProblem("tensor " + name + " targets layer " + layer + " but the base model has "
                    + c.base().layers() + " layers");
        }
        return layer;
    }

    private static LoraModule module(
            PeftAdapterReader.PeftContext c, String name, String moduleName, Set<LoraModule> targets) {
        LoraModule module = LoraModule.byName(moduleName)
                .orElseThrow(() -> c.weightsProblem("tensor " + name + " targets unknown module '" + moduleName + "'"));
        if (targets != null && !targets.contains(module)) {
            throw c.weightsProblem(
                    "tensor " + name + " targets " + module.huggingFaceName() + ", which target_modules does not list");
        }
        return module;
    }

    private static void refuseUnsupported(PeftAdapterReader.PeftContext c) {
        JsonNode config = c.config();
        if (config.path("fan_in_fan_out").asBoolean(false)) {
            throw c.configProblem("fan_in_fan_out is not used by Llama layers");
        }
        String bias = config.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw c.configProblem("bias '" + bias + "' is not supported (only 'none')");
        }
        for (String pattern : new String[] {"rank_pattern", "alpha_pattern"}) {
            if (config.path(pattern).size() > 0) {
                throw c.configProblem(pattern + " (per-module ranks) is not supported");
            }
        }
    }

    private static LoraAdapter.RankRange dyLoraRange(PeftAdapterReader.PeftContext c, int rank) {
        JsonNode node = c.config().get("dylora");
        if (node == null || node.isNull()) {
            return null;
        }
        int min = node.path("r_min").asInt(1);
        int max = node.path("r_max").asInt(rank);
        if (max != rank || min < 1 || min > max) {
            throw c.configProblem(
                    "dylora range [" + min + ", " + max + "] must satisfy 1 <= r_min <= r_max = r (" + rank + ")");
        }
        return new LoraAdapter.RankRange(min, max);
    }

    /** The listed target modules, or null when PEFT's regex form is used (then only the tensor names count). */
    private static Set<LoraModule> targetModules(PeftAdapterReader.PeftContext c) {
        JsonNode node = c.config().get("target_modules");
        if (node == null || !node.isArray()) {
            return null;
        }
        Set<LoraModule> modules = EnumSet.noneOf(LoraModule.class);
        for (JsonNode name : node) {
            modules.add(LoraModule.byName(name.asText())
                    .orElseThrow(() -> c.configProblem("unknown target module '" + name.asText()
                            + "' (supported: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")));
        }
        return modules;
    }
}
