package io.swapgate.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import io.swapgate.core.model.FloatTensor;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link LoraAdapter} from a PEFT IA3 folder ({@code peft_type} "IA3"): one learned vector {@code ia3_l} per
 * adapted module and layer, shaped [out, 1] where it scales the module's outputs and [1, in] where it scales the inputs
 * of a module listed in {@code feedforward_modules}. Inputs are scaled only for {@code o_proj} and {@code down_proj},
 * whose products the runtime runs alone; q/k/v and gate/up share fused products, so a feed-forward scale there is
 * refused.
 */
final class Ia3Reader {

    static final String PEFT_TYPE = "IA3";

    private static final Pattern KEY = Pattern.compile(
            "base_model\\.model\\.(?:model\\.)?(?:layers|blk)\\.(\\d+)\\.(?:[a-z_]+\\.)?([a-z0-9_]+)\\.ia3_l(?:\\.default)?(?:\\.weight)?");

    private static final Set<LoraModule> INPUT_SCALABLE = EnumSet.of(LoraModule.O, LoraModule.DOWN);

    private Ia3Reader() {}

    static LoraAdapter read(PeftAdapterReader.PeftContext c, AdapterIdentity identity) {
        if (c.config().path("fan_in_fan_out").asBoolean(false)) {
            throw c.configProblem("fan_in_fan_out is not used by Llama layers");
        }
        Set<LoraModule> targets = modules(c, "target_modules");
        Set<LoraModule> feedForward = modules(c, "feedforward_modules");
        for (LoraModule module : feedForward) {
            if (!INPUT_SCALABLE.contains(module)) {
                throw c.configProblem("feedforward_modules lists " + module.huggingFaceName()
                        + ": only o_proj and down_proj inputs can be scaled (the others share fused products)");
            }
        }
        // Every name and shape is checked against the header first; values are decoded only once all of them pass.
        Map<LoraModule, String[]> names = new EnumMap<>(LoraModule.class);
        for (String name : c.names()) {
            Matcher m = KEY.matcher(name);
            if (!m.matches()) {
                throw c.weightsProblem("unexpected tensor " + name + " (only ia3_l of q/k/v/o/gate/up/down)");
            }
            int layer = Integer.parseInt(m.group(1));
            if (layer >= c.base().layers()) {
                throw c.weightsProblem("tensor " + name + " targets layer " + layer + " but the base model has "
                        + c.base().layers() + " layers");
            }
            LoraModule module = LoraModule.byName(m.group(2))
                    .orElseThrow(
                            () -> c.weightsProblem("tensor " + name + " targets unknown module '" + m.group(2) + "'"));
            if (!targets.isEmpty() && !targets.contains(module)) {
                throw c.weightsProblem("tensor " + name + " targets " + module.huggingFaceName()
                        + ", which target_modules does not list");
            }
            c.checkShape(name, shape(c, module, feedForward.contains(module)));
            names.computeIfAbsent(module, k -> new String[c.base().layers()])[layer] = name;
        }
        if (names.isEmpty()) {
            throw c.weightsProblem("no ia3_l tensors");
        }
        Map<LoraModule, LoraAdapter.LayerFactors[]> modules = new EnumMap<>(LoraModule.class);
        names.forEach((module, perLayer) -> {
            boolean input = feedForward.contains(module);
            int in = module.inputs(c.base());
            int out = module.outputs(c.base());
            LoraAdapter.LayerFactors[] layers = new LoraAdapter.LayerFactors[perLayer.length];
            for (int l = 0; l < perLayer.length; l++) {
                if (perLayer[l] == null) {
                    continue;
                }
                float[] values = c.tensor(perLayer[l], shape(c, module, input)).data();
                FloatTensor scale = new FloatTensor(perLayer[l], new int[] {values.length}, values);
                layers[l] = LoraAdapter.LayerFactors.ia3(scale, input, in, out);
            }
            modules.put(module, layers);
        });
        return new LoraAdapter(identity, 1, 1f, false, null, modules);
    }

    private static int[] shape(PeftAdapterReader.PeftContext c, LoraModule module, boolean input) {
        return input ? new int[] {1, module.inputs(c.base())} : new int[] {module.outputs(c.base()), 1};
    }

    /** The modules a config list names (empty when absent, or in PEFT's regex form). */
    private static Set<LoraModule> modules(PeftAdapterReader.PeftContext c, String field) {
        Set<LoraModule> modules = EnumSet.noneOf(LoraModule.class);
        JsonNode node = c.config().get(field);
        if (node == null || !node.isArray()) {
            return modules;
        }
        for (JsonNode name : node) {
            modules.add(LoraModule.byName(name.asText())
                    .orElseThrow(() -> c.configProblem("unknown module '" + name.asText() + "' in " + field
                            + " (supported: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")));
        }
        return modules;
    }
}
