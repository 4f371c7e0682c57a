package io.swapgate.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swapgate.core.TestModels;
import io.swapgate.core.format.ModelFormatException;
import io.swapgate.core.format.ModelLoader;
import io.swapgate.core.format.SafetensorsWriter;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter files that must not be served are refused with a message that says what is wrong. */
class AdapterValidationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static TestAdapters adapters;
    /** Random adapters shaped for another model (babyllama105: dim 128, vocab 105). */
    static RandomAdapters otherShapes;

    static BaseModelIdentity otherBase;

    @BeforeAll
    static void setUp() {
        adapters = new TestAdapters(dir, 3);
        LoadedModel other = ModelLoader.load(TestModels.babyLlama());
        otherShapes = new RandomAdapters(other.config(), 3);
        otherBase = BaseModelIdentity.of(other.name(), other.config(), other.weights());
    }

    private static LoraAdapter lora(String name) {
        return adapters.random.lora(name, 4, 8f, false, 0, EnumSet.of(LoraModule.Q, LoraModule.V));
    }

    private Path written(Adapter adapter, BaseModelIdentity base) throws IOException {
        Path folder = adapters.folder(adapter.identity().name());
        PeftAdapterWriter.write(folder, adapter, base);
        return folder;
    }

    private Path withConfig(String name, Consumer<ObjectNode> edit) throws IOException {
        Path folder = written(lora(name), adapters.base);
        Path config = folder.resolve(PeftAdapterReader.CONFIG_FILE);
        ObjectNode node = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(node);
        JSON.writeValue(config.toFile(), node);
        return folder;
    }

    private static void assertRefused(Path folder, String expected) {
        assertRefused(adapters.reader, folder, expected);
    }

    private static void assertRefused(PeftAdapterReader reader, Path folder, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> reader.read(folder, "x"));
        assertTrue(e.problem().contains(expected), "expected '" + expected + "' in: " + e.problem());
    }

    @Test
    void aValidAdapterOfEachKindIsAccepted() {
        assertEquals(AdapterKind.LORA, adapters.roundTrip(lora("ok-lora")).kind());
        assertEquals(
                AdapterKind.PROMPT,
                adapters.roundTrip(adapters.random.prompt("ok-prompt", 2)).kind());
        assertEquals(
                AdapterKind.PREFIX,
                adapters.roundTrip(adapters.random.prefix("ok-prefix", 2)).kind());
        assertEquals(
                AdapterKind.TEMPNET,
                adapters.roundTrip(adapters.random.tempNet("ok-tempnet", TempNetAdapter.Input.HIDDEN, 4))
                        .kind());
    }

    @Test
    void wrongShapesOfEveryKindAreRefused() throws IOException {
        // Written with this base's identity, so only the shapes are wrong.
        assertRefused(
                written(otherShapes.lora("shape-lora", 4, 8f, false, 0, EnumSet.of(LoraModule.Q)), adapters.base),
                "has shape [4, 128], expected [4, 64]");
        assertRefused(written(otherShapes.prompt("shape-prompt", 3), adapters.base), "expected [3, 64]");
        assertRefused(written(otherShapes.prefix("shape-prefix", 3), adapters.base), "expected [3, 320]");
        assertRefused(
                written(otherShapes.tempNet("shape-tempnet", TempNetAdapter.Input.LOGITS, 4), adapters.base),
                "expected [4, 512]");
    }

    @Test
    void anAdapterForADifferentBaseModelIsRefused() throws IOException {
        assertRefused(written(lora("other-base"), otherBase), "trained for a different base model");
    }

    @Test
    void unknownModulesAndStrayTensorsAreRefused() throws IOException {
        assertRefused(
                withConfig(
                        "unknown-target",
                        c -> c.putArray("target_modules").add("q_proj").add("lm_head")),
                "unknown target module 'lm_head'");
        assertRefused(
                withConfig("unlisted-target", c -> c.putArray("target_modules").add("q_proj")),
                "v_proj, which target_modules does not list");
        Path stray = dir.resolve("stray");
        Files.createDirectories(stray);
        Files.copy(
                written(lora("stray-source"), adapters.base).resolve(PeftAdapterReader.CONFIG_FILE),
                stray.resolve(PeftAdapterReader.CONFIG_FILE));
        writeTensors(
                stray, new FloatTensor("base_model.model.lm_head.lora_A.weight", new int[] {4, 64}, new float[256]));
        assertRefused(stray, "unexpected tensor base_model.model.lm_head.lora_A.weight");
        writeTensors(
                stray,
                new FloatTensor(
                        "base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight",
                        new int[] {4, 64},
                        new float[256]),
                new FloatTensor(
                        "base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight",
                        new int[] {64, 4},
                        new float[256]));
        assertRefused(stray, "targets layer 9 but the base model has 5 layers");
        writeTensors(
                stray,
                new FloatTensor(
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                        new int[] {4, 64},
                        new float[256]));
        assertRefused(stray, "has lora_A without lora_B");
    }

    @Test
    void nonFiniteValuesAreRefused() throws IOException {
        LoraAdapter lora = lora("nan");
        lora.modules().get(LoraModule.V)[2].b().data()[17] = Float.NaN;
        assertRefused(written(lora, adapters.base), "non-finite value (NaN)");
        PromptAdapter prompt = adapters.random.prompt("inf", 2);
        prompt.embeddings().data()[3] = Float.POSITIVE_INFINITY;
        assertRefused(written(prompt, adapters.base), "non-finite value (Infinity)");
    }

    @Test
    void badRanksAndRangesAreRefused() throws IOException {
        assertRefused(withConfig("rank-zero", c -> c.put("r", 0)), "'r' must be positive, got 0");
        assertRefused(
                withConfig(
                        "dylora-range",
                        c -> c.putObject("dylora").put("r_min", 3).put("r_max", 2)),
                "dylora range [3, 2]");
        PeftAdapterReader lowRank = new PeftAdapterReader(adapters.base, new AdapterLimits(1 << 20, 2, 16));
        assertRefused(
                lowRank, written(lora("too-wide"), adapters.base), "rank 4 exceeds this server's maximum LoRA rank 2");
        LoraAdapter plain = adapters.roundTrip(lora("plain"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> AdapterSelection.of(List.of(plain), 2));
        assertTrue(e.getMessage().contains("only DyLoRA adapters can be served at another rank"), e.getMessage());
        LoraAdapter dyLora = adapters.roundTrip(adapters.random.lora("dy", 8, 8f, false, 4, EnumSet.of(LoraModule.Q)));
        e = assertThrows(IllegalArgumentException.class, () -> AdapterSelection.of(List.of(dyLora), 3));
        assertTrue(e.getMessage().contains("serves ranks 4 to 8, asked for 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AdapterSelection.of(List.of(plain, dyLora), 0));
        assertTrue(e.getMessage().contains("at most one lora adapter per request"), e.getMessage());
    }

    @Test
    void unsupportedVariantsAreRefused() throws IOException {
        assertRefused(
                withConfig("dora", c -> c.put("use_dora", true)), "of a DoRA adapter has no lora_magnitude_vector");
        assertRefused(
                withConfig("lora-as-ia3", c -> c.put("peft_type", "IA3")),
                "unexpected tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        assertRefused(withConfig("vera", c -> c.put("peft_type", "VERA")), "unsupported peft_type 'VERA'");
        assertRefused(withConfig("pattern", c -> c.putObject("rank_pattern").put("q_proj", 8)), "rank_pattern");
    }

    @Test
    void ia3FilesThatDoNotFitTheBaseOrTheRuntimeAreRefused() throws IOException {
        LoraAdapter ia3 = adapters.random.ia3("ia3", EnumSet.of(LoraModule.K), EnumSet.of(LoraModule.DOWN));
        LoraAdapter read = adapters.roundTrip(ia3);
        assertEquals(AdapterKind.LORA, read.kind());
        assertTrue(read.ia3(), "served as a LoRA with scales");
        assertRefused(
                written(
                        otherShapes.ia3("shape-ia3", EnumSet.of(LoraModule.K), EnumSet.noneOf(LoraModule.class)),
                        adapters.base),
                "expected [32, 1]");
        // Scaling q_proj's inputs would need its own product, outside the fused q/k/v one.
        Path fused = written(ia3, adapters.base);
        Path config = fused.resolve(PeftAdapterReader.CONFIG_FILE);
        ObjectNode node = (ObjectNode) JSON.readTree(config.toFile());
        ((com.fasterxml.jackson.databind.node.ArrayNode) node.get("feedforward_modules")).add("q_proj");
        JSON.writeValue(config.toFile(), node);
        assertRefused(fused, "only o_proj and down_proj inputs can be scaled");
        IllegalArgumentException blend =
                assertThrows(IllegalArgumentException.class, () -> new LoraMixture.Part(read, 0.5f));
        assertTrue(blend.getMessage().contains("cannot be blended"), blend.getMessage());
    }

    @Test
    void brokenAndOversizedFilesAreRefused() throws IOException {
        Path badJson = written(lora("bad-json"), adapters.base);
        Files.writeString(badJson.resolve(PeftAdapterReader.CONFIG_FILE), "{\"peft_type\": \"LORA\", ");
        assertRefused(badJson, "config is not valid JSON");

        Path pickle = written(lora("pickle"), adapters.base);
        Files.delete(pickle.resolve(PeftAdapterReader.WEIGHTS_FILE));
        Files.write(pickle.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 2});
        assertRefused(pickle, "only a pickled adapter_model.bin, which is never loaded");

        Path truncated = written(lora("truncated"), adapters.base);
        Path weights = truncated.resolve(PeftAdapterReader.WEIGHTS_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThrows(ModelFormatException.class, () -> adapters.reader.read(truncated, "x"));

        PeftAdapterReader small = new PeftAdapterReader(adapters.base, new AdapterLimits(1000, 64, 16));
        assertRefused(small, written(lora("oversized"), adapters.base), "more than the limit of 1000");
        PeftAdapterReader fewVirtual = new PeftAdapterReader(adapters.base, new AdapterLimits(1 << 20, 64, 16));
        assertRefused(
                fewVirtual,
                written(adapters.random.prompt("many-virtual", 32), adapters.base),
                "num_virtual_tokens 32 exceeds this server's limit of 16");
    }

    private static void writeTensors(Path folder, FloatTensor... tensors) throws IOException {
        SafetensorsWriter.write(folder.resolve(PeftAdapterReader.WEIGHTS_FILE), List.of(tensors), Map.of());
    }
}
