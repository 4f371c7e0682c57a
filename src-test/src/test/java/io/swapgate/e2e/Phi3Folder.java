package io.swapgate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.format.HuggingFaceExporter;
import io.swapgate.core.format.SafetensorsWriter;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LayerWeights;
import io.swapgate.core.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model written as a Hugging Face Phi-3 folder, as Microsoft's checkpoints are laid out: {@code model_type} "phi3",
 * per layer a fused {@code self_attn.qkv_proj} (query, key, value rows) and {@code mlp.gate_up_proj} (gate, then up
 * rows), a {@code sliding_window}, and the tokenizer files Swapgate's exporter writes.
 */
final class Phi3Folder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Phi3Folder() {}

    static Path write(LoadedModel model, Path folder, int contextLength, int slidingWindow) throws IOException {
        HuggingFaceExporter.export(model, folder); // tokenizer files and a Llama config.json, adapted below
        Path config = folder.resolve("config.json");
        ObjectNode json = (ObjectNode) JSON.readTree(config.toFile());
        json.put("model_type", "phi3")
                .put("max_position_embeddings", contextLength)
                .put("sliding_window", slidingWindow)
                .putArray("architectures")
                .add("Phi3ForCausalLM");
        JSON.writeValue(config.toFile(), json);
        Files.delete(folder.resolve("model.safetensors"));
        List<FloatTensor> tensors = new ArrayList<>();
        tensors.add(model.weights()
                .embedding()
                .withShape("model.embed_tokens.weight", shape(model.weights().embedding())));
        for (int l = 0; l < model.weights().layers().size(); l++) {
            LayerWeights layer = model.weights().layers().get(l);
            String p = "model.layers." + l + ".";
            tensors.add(layer.attentionNorm().withShape(p + "input_layernorm.weight", shape(layer.attentionNorm())));
            tensors.add(GgufWriter.stacked(p + "self_attn.qkv_proj.weight", layer.query(), layer.key(), layer.value()));
            tensors.add(layer.output().withShape(p + "self_attn.o_proj.weight", shape(layer.output())));
            tensors.add(layer.ffnNorm().withShape(p + "post_attention_layernorm.weight", shape(layer.ffnNorm())));
            tensors.add(GgufWriter.stacked(p + "mlp.gate_up_proj.weight", layer.gate(), layer.up()));
            tensors.add(layer.down().withShape(p + "mlp.down_proj.weight", shape(layer.down())));
        }
        tensors.add(model.weights()
                .finalNorm()
                .withShape("model.norm.weight", shape(model.weights().finalNorm())));
        tensors.add(model.weights()
                .classifier()
                .withShape("lm_head.weight", shape(model.weights().classifier())));
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return folder;
    }

    private static int[] shape(FloatTensor tensor) {
        return tensor.shape();
    }
}
