package io.swapgate.core.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.format.SafetensorsWriter;
import io.swapgate.core.model.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes adapters in the PEFT layout that {@link PeftAdapterReader} (and Hugging Face PEFT) reads. */
public final class PeftAdapterWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterWriter() {}

    /** Writes {@code adapter} into {@code folder} (created if needed), bound to {@code base}. */
    public static void write(Path folder, Adapter adapter, BaseModelIdentity base) throws IOException {
        Files.createDirectories(folder);
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", adapter.kind().peftType());
        config.put("task_type", "CAUSAL_LM");
        config.put("base_model_name_or_path", base.name());
        config.put(PeftAdapterReader.BASE_DIGEST_KEY, base.digest());
        config.put("inference_mode", true);
        List<FloatTensor> tensors = new ArrayList<>();
        if (adapter instanceof LoraAdapter lora && lora.ia3()) {
            config.put("peft_type", Ia3Reader.PEFT_TYPE);
            describeIa3(config, lora, tensors);
        } else if (adapter instanceof LoraAdapter lora) {
            describeLora(config, lora, tensors);
        } else if (adapter instanceof PromptAdapter prompt) {
            describeVirtualTokens(config, prompt.virtualTokens(), base);
            config.put("num_transformer_submodules", 1);
            tensors.add(prompt.embeddings()
                    .withShape(VirtualTokenReader.TENSOR, prompt.embeddings().shape()));
        } else if (adapter instanceof PrefixAdapter prefix) {
            describeVirtualTokens(config, prefix.virtualTokens(), base);
            config.put("prefix_projection", false);
            tensors.add(prefix.keyValues()
                    .withShape(VirtualTokenReader.TENSOR, prefix.keyValues().shape()));
        } else if (adapter instanceof TempNetAdapter tempNet) {
            config.put("input", tempNet.input().name().toLowerCase(java.util.Locale.ROOT));
            config.put("hidden_size", tempNet.hiddenSize());
            config.put("tau_min", tempNet.tauMin());
            config.put("tau_max", tempNet.tauMax());
            if (Float.isFinite(tempNet.rho())) {
                config.put("rho", tempNet.rho());
            }
            tensors.add(tempNet.fc1Weight()
                    .withShape(TempNetReader.FC1_WEIGHT, tempNet.fc1Weight().shape()));
            tensors.add(tempNet.fc1Bias()
                    .withShape(TempNetReader.FC1_BIAS, tempNet.fc1Bias().shape()));
            tensors.add(tempNet.fc2Weight()
                    .withShape(TempNetReader.FC2_WEIGHT, tempNet.fc2Weight().shape()));
            tensors.add(tempNet.fc2Bias()
                    .withShape(TempNetReader.FC2_BIAS, tempNet.fc2Bias().shape()));
        }
        SafetensorsWriter.write(folder.resolve(PeftAdapterReader.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(folder.resolve(PeftAdapterReader.CONFIG_FILE).toFile(), config);
    }

    private static void describeLora(ObjectNode config, LoraAdapter lora, List<FloatTensor> tensors) {
        config.put("r", lora.rank());
        config.put("lora_alpha", lora.alpha());
        config.put("use_rslora", lora.rsLora());
        config.put("use_dora", lora.dora());
        config.put("lora_dropout", 0.0);
        config.put("fan_in_fan_out", false);
        config.put("bias", "none");
        var targets = config.putArray("target_modules");
        lora.modules().forEach((module, layers) -> {
            targets.add(module.huggingFaceName());
            for (int l = 0; l < layers.length; l++) {
                if (layers[l] != null) {
                    String prefix = "base_model.model.model.layers." + l + "." + module.huggingFaceParent() + "."
                            + module.huggingFaceName() + ".lora_";
                    tensors.add(layers[l]
                            .a()
                            .withShape(prefix + "A.weight", layers[l].a().shape()));
                    tensors.add(layers[l]
                            .b()
                            .withShape(prefix + "B.weight", layers[l].b().shape()));
                    if (layers[l].magnitude() != null) {
                        tensors.add(layers[l]
                                .magnitude()
                                .withShape(
                                        prefix + "magnitude_vector",
                                        layers[l].magnitude().shape()));
                    }
                }
            }
        });
        if (lora.dyLora() != null) {
            config.putObject("dylora")
                    .put("r_min", lora.dyLora().min())
                    .put("r_max", lora.dyLora().max());
        }
    }

    /** PEFT's IA3 form: {@code ia3_l} [out, 1] scaling outputs, or [1, in] for {@code feedforward_modules}. */
    private static void describeIa3(ObjectNode config, LoraAdapter ia3, List<FloatTensor> tensors) {
        config.put("fan_in_fan_out", false);
        var targets = config.putArray("target_modules");
        var feedForward = config.putArray("feedforward_modules");
        ia3.modules().forEach((module, layers) -> {
            targets.add(module.huggingFaceName());
            boolean input = false;
            for (int l = 0; l < layers.length; l++) {
                if (layers[l] == null) {
                    continue;
                }
                input = layers[l].inputScale() != null;
                FloatTensor scale = input ? layers[l].inputScale() : layers[l].outputScale();
                int n = scale.data().length;
                tensors.add(scale.withShape(
                        "base_model.model.model.layers." + l + "." + module.huggingFaceParent() + "."
                                + module.huggingFaceName() + ".ia3_l",
                        input ? new int[] {1, n} : new int[] {n, 1}));
            }
            if (input) {
                feedForward.add(module.huggingFaceName());
            }
        });
    }

    private static void describeVirtualTokens(ObjectNode config, int n, BaseModelIdentity base) {
        config.put("num_virtual_tokens", n);
        config.put("token_dim", base.config().dim());
        config.put("num_layers", base.config().layers());
        config.put("num_attention_heads", base.config().heads());
    }
}
