package io.swapgate.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swapgate.core.model.FloatTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw data. The header is validated completely on open.
 */
public final class SafetensorsFile {

    /** Headers larger than this are refused rather than parsed (the format's own limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final long dataStart;
    private final Map<String, TensorEntry> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, long dataStart, Map<String, TensorEntry> tensors, Map<String, String> metadata) {
        this.path = path;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        return open(path, MAX_HEADER_BYTES);
    }

    /**
     * @param maxHeaderBytes the largest header parsed: the header becomes a JSON tree in memory, so callers reading
     *     small files from outside (adapters) pass a small bound
     */
    public static SafetensorsFile open(Path path, long maxHeaderBytes) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new ModelFormatException(path, "not a safetensors file: only " + size + " bytes");
            }
            long headerLength = FileRegion.read(channel, path, 0, 8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getLong();
            if (headerLength < 2 || 8 + headerLength > size) {
                throw new ModelFormatException(
                        path,
                        "not a safetensors file: header length " + headerLength + " does not fit a file of " + size
                                + " bytes");
            }
            if (headerLength > maxHeaderBytes) {
                throw new ModelFormatException(
                        path,
                        "safetensors header of " + headerLength + " bytes is larger than the " + maxHeaderBytes
                                + " accepted here");
            }
            ByteBuffer header = FileRegion.read(channel, path, 8, headerLength);
            JsonNode root;
            try {
                root = JSON.readTree(StandardCharsets.UTF_8.decode(header).toString());
            } catch (IOException e) {
                throw new ModelFormatException(path, "safetensors header is not valid JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw new ModelFormatException(path, "safetensors header is not a JSON object");
            }
            long dataStart = 8 + headerLength;
            return parse(path, root, dataStart, size - dataStart);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    private static SafetensorsFile parse(Path path, JsonNode root, long dataStart, long dataLength) {
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals("__metadata__")) {
                field.getValue()
                        .properties()
                        .forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(field.getKey(), TensorEntry.parse(path, field.getKey(), field.getValue(), dataLength));
        }
        return new SafetensorsFile(
                path, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Reads one tensor as float32. */
    public FloatTensor read(String name) {
        TensorEntry entry = tensors.get(name);
        if (entry == null) {
            throw new ModelFormatException(path, "missing tensor " + name);
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer bytes = FileRegion.read(channel, path, dataStart + entry.begin(), entry.end() - entry.begin());
            return new FloatTensor(name, entry.shape(), entry.type().decode(bytes, entry.elementCount()));
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read tensor " + name + ": " + e.getMessage(), e);
        }
    }

    /** One tensor's header entry: element type, shape and byte range within the data section. */
    public record TensorEntry(String name, ElementType type, int[] shape, long begin, long end) {

        public int elementCount() {
            return (int) ((end - begin) / type.bytes());
        }

        static TensorEntry parse(Path path, String name, JsonNode node, long dataLength) {
            String dtype = node.path("dtype").asText("");
            ElementType type = switch (dtype) {
                case "F32" -> ElementType.F32;
                case "F16" -> ElementType.F16;
                case "BF16" -> ElementType.BF16;
                default ->
                    throw new ModelFormatException(
                            path,
                            "tensor " + name + " has unsupported dtype '" + dtype + "' (supported: F32, F16, BF16)");
            };
            JsonNode shapeNode = node.path("shape");
            JsonNode offsets = node.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new ModelFormatException(path, "tensor " + name + " lacks a shape or data_offsets");
            }
            int[] shape = new int[shapeNode.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = shapeNode.get(i).asLong(-1);
                if (!shapeNode.get(i).canConvertToLong() || d < 0 || d > Integer.MAX_VALUE) {
                    throw new ModelFormatException(
                            path, "tensor " + name + " has an invalid dimension " + shapeNode.get(i));
                }
                shape[i] = (int) d;
                elements = Math.multiplyExact(elements, d);
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLength) {
                throw new ModelFormatException(
                        path,
                        "tensor " + name + " has data_offsets [" + begin + ", " + end + "] outside the " + dataLength
                                + "-byte data section");
            }
            if (end - begin != elements * type.bytes()) {
                throw new ModelFormatException(
                        path,
                        "tensor " + name + " declares " + elements + " " + dtype + " elements but spans "
                                + (end - begin) + " bytes");
            }
            if (elements > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(path, "tensor " + name + " is too large to read");
            }
            return new TensorEntry(name, type, shape, begin, end);
        }
    }
}
