package io.swapgate.core.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.format.SafetensorsFile;
import io.swapgate.core.model.FloatTensor;
import io.swapgate.core.model.LlamaConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * Reads an adapter folder in the Hugging Face PEFT layout ({@code adapter_config.json} and
 * {@code adapter_model.safetensors}) and checks it against the served base model. Safetensors only: a pickled
 * {@code adapter_model.bin} is never opened. Every problem is reported as an {@link AdapterFormatException}
 * (or, for a broken safetensors file, the {@link io.swapgate.core.format.ModelFormatException} it raises).
 */
public final class PeftAdapterReader {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** Key under which Swapgate records the base model's digest in {@code adapter_config.json}. */
    public static final String BASE_DIGEST_KEY = "swapgate_base_model_digest";

    private static final long MAX_CONFIG_BYTES = 64 * 1024;
    /** A LoRA on every module of an 80-layer model has a header near 100 KiB; 1 MiB leaves room and bounds the parse. */
    private static final long MAX_HEADER_BYTES = 1L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BaseModelIdentity base;
    private final AdapterLimits limits;

    public PeftAdapterReader(BaseModelIdentity base, AdapterLimits limits) {
        this.base = base;
        this.limits = limits;
    }

    /** The base model adapters are checked against. */
    public BaseModelIdentity base() {
        return base;
    }

    public Adapter read(Path folder, String name) {
        Path configFile = folder.resolve(CONFIG_FILE);
        Path weightsFile = folder.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new AdapterFormatException(folder, "no " + CONFIG_FILE);
        }
        if (!Files.isRegularFile(weightsFile)) {
            String why = Files.exists(folder.resolve("adapter_model.bin"))
                    ? "only a pickled adapter_model.bin, which is never loaded; convert it to " + WEIGHTS_FILE
                    : "no " + WEIGHTS_FILE;
            throw new AdapterFormatException(folder, why);
        }
        JsonNode config = readConfig(configFile);
        checkBaseModel(configFile, config);
        checkSize(weightsFile);
        // Only the header is read here: each kind's reader checks every tensor's name and shape against the base model
        // before a single value is decoded, so a hostile file costs a header parse, not its weights.
        SafetensorsFile weights = SafetensorsFile.open(weightsFile, MAX_HEADER_BYTES);
        AdapterIdentity identity = new AdapterIdentity(name, contentVersion(folder));
        String peftType = config.path("peft_type").asText("");
        PeftContext context = new PeftContext(configFile, weightsFile, config, weights, base.config(), limits);
        if (peftType.equalsIgnoreCase(Ia3Reader.PEFT_TYPE)) {
            return Ia3Reader.read(context, identity);
        }
        for (AdapterKind kind : AdapterKind.values()) {
            if (kind.peftType().equalsIgnoreCase(peftType)) {
                return switch (kind) {
                    case LORA -> LoraReader.read(context, identity);
                    case PROMPT -> VirtualTokenReader.readPrompt(context, identity);
                    case PREFIX -> VirtualTokenReader.readPrefix(context, identity);
                    case TEMPNET -> TempNetReader.read(context, identity);
                };
            }
        }
        throw new AdapterFormatException(
                configFile,
                "unsupported peft_type '" + peftType
                        + "' (supported: LORA, IA3, PROMPT_TUNING, PREFIX_TUNING, TEMPNET)");
    }

    private JsonNode readConfig(Path file) {
        try {
            if (Files.size(file) > MAX_CONFIG_BYTES) {
                throw new AdapterFormatException(file, "config is larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new AdapterFormatException(file, "config is not a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AdapterFormatException(file, "config is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new AdapterFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private void checkBaseModel(Path file, JsonNode config) {
        JsonNode digest = config.get(BASE_DIGEST_KEY);
        if (digest != null && !digest.asText().equals(base.digest())) {
            throw new AdapterFormatException(
                    file,
                    "adapter was trained for a different base model ("
                            + config.path("base_model_name_or_path").asText("unnamed") + ", digest "
                            + abbreviate(digest.asText()) + "); this server serves " + base.name() + " (digest "
                            + abbreviate(base.digest()) + ")");
        }
    }

    private void checkSize(Path file) {
        try {
            long size = Files.size(file);
            if (size > limits.maxFileBytes()) {
                throw new AdapterFormatException(
                        file,
                        "adapter weights are " + size + " bytes, more than the limit of " + limits.maxFileBytes());
            }
        } catch (IOException e) {
            throw new AdapterFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** sha256 (hex) over the folder's config and weights, in that order: the adapter's content address. */
    public static String contentVersion(Path folder) {
        return sha256(folder.resolve(CONFIG_FILE), folder.resolve(WEIGHTS_FILE));
    }

    /** sha256 (hex) over the files' bytes, in order. */
    public static String sha256(Path... files) {
        MessageDigest sha = BaseModelIdentity.sha256();
        byte[] buffer = new byte[1 << 16];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new AdapterFormatException(file, "cannot read: " + e.getMessage(), e);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String abbreviate(String digest) {
        return digest.length() > 12 ? digest.substring(0, 12) + "…" : digest;
    }

    /** What the per-kind readers need: the parsed config, the weights' header, and the base they must fit. */
    record PeftContext(
            Path configFile,
            Path weightsFile,
            JsonNode config,
            SafetensorsFile weights,
            LlamaConfig base,
            AdapterLimits limits) {

        AdapterFormatException configProblem(String problem) {
            return new AdapterFormatException(configFile, problem);
        }

        AdapterFormatException weightsProblem(String problem) {
            return new AdapterFormatException(weightsFile, problem);
        }

        /** A required positive integer field of the config. */
        int positiveInt(String field) {
            JsonNode node = config.get(field);
            if (node == null || !node.canConvertToInt()) {
                throw configProblem("missing or non-integer '" + field + "'");
            }
            if (node.asInt() <= 0) {
                throw configProblem("'" + field + "' must be positive, got " + node.asInt());
            }
            return node.asInt();
        }

        /** A finite number field with a default. */
        float number(String field, float fallback) {
            JsonNode node = config.get(field);
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
                throw configProblem("'" + field + "' must be a finite number");
            }
            return (float) node.asDouble();
        }

        /** The names of the file's tensors, from its header. */
        Set<String> names() {
            return weights.tensors().keySet();
        }

        /** The one tensor, exactly this shape; refuses any other tensor in the file. */
        FloatTensor onlyTensor(String name, int... shape) {
            requireOnly(Set.of(name));
            return tensor(name, shape);
        }

        /** A required tensor of exactly this shape, decoded only once its header entry has that shape. */
        FloatTensor tensor(String name, int... shape) {
            checkShape(name, shape);
            FloatTensor tensor = weights.read(name);
            for (float v : tensor.data()) {
                if (!Float.isFinite(v)) {
                    throw weightsProblem("tensor " + name + " holds a non-finite value (" + v + ")");
                }
            }
            return tensor;
        }

        /** Fails unless the header has the tensor with exactly this shape; decodes nothing. */
        void checkShape(String name, int... shape) {
            SafetensorsFile.TensorEntry entry = weights.tensors().get(name);
            if (entry == null) {
                throw weightsProblem("missing tensor " + name);
            }
            if (!Arrays.equals(entry.shape(), shape)) {
                throw weightsProblem("tensor " + name + " has shape " + Arrays.toString(entry.shape()) + ", expected "
                        + Arrays.toString(shape) + " for this base model");
            }
        }

        void requireOnly(Set<String> expected) {
            for (String name : names()) {
                if (!expected.contains(name)) {
                    throw weightsProblem("unexpected tensor " + name);
                }
            }
        }
    }
}
