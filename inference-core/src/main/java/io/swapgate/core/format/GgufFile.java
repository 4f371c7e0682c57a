package io.swapgate.core.format;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a GGUF file (versions 2 and 3): metadata key/values and tensor descriptors. Every count and
 * length is checked against the file size before anything is allocated, so a corrupt header fails cleanly.
 */
public final class GgufFile {

    private static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;

    private final Path path;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private GgufFile(Path path, Map<String, Object> metadata, Map<String, TensorInfo> tensors, long dataStart) {
        this.path = path;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    public static boolean hasMagic(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    public static GgufFile open(Path path) {
        try (InputStream stream = Files.newInputStream(path)) {
            Reader in =
                    new Reader(path, new DataInputStream(new BufferedInputStream(stream, 1 << 16)), Files.size(path));
            if (in.u32() != MAGIC) {
                throw new ModelFormatException(path, "not a GGUF file: wrong magic");
            }
            long version = in.u32();
            if (version != 2 && version != 3) {
                throw new ModelFormatException(path, "unsupported GGUF version " + version + " (supported: 2, 3)");
            }
            long tensorCount = in.count("tensor count");
            long kvCount = in.count("metadata count");
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = in.string();
                metadata.put(key, in.value((int) in.u32(), key));
            }
            List<TensorInfo> infos = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                infos.add(in.tensorInfo());
            }
            long alignment = metadata.get("general.alignment") instanceof Number n ? n.longValue() : DEFAULT_ALIGNMENT;
            if (alignment <= 0 || alignment > 1 << 16 || Long.bitCount(alignment) != 1) {
                throw new ModelFormatException(path, "invalid general.alignment " + alignment);
            }
            long dataStart = (in.position + alignment - 1) / alignment * alignment;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (TensorInfo info : infos) {
                long end = dataStart + info.offset() + info.byteSize();
                if (info.offset() % alignment != 0 || end > in.fileSize) {
                    throw new ModelFormatException(
                            path,
                            "tensor " + info.name() + " lies outside the file (ends at byte " + end + " of "
                                    + in.fileSize + ")");
                }
                if (tensors.put(info.name(), info) != null) {
                    throw new ModelFormatException(path, "tensor " + info.name() + " appears twice");
                }
            }
            return new GgufFile(
                    path, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors), dataStart);
        } catch (EOFException e) {
            throw new ModelFormatException(path, "truncated GGUF header", e);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Absolute file offset of the tensor's data. */
    public long dataOffset(TensorInfo info) {
        return dataStart + info.offset();
    }

    /**
     * A tensor descriptor. {@code dims} are in GGUF order (fastest-varying first), so a row-major
     * [rows, cols] matrix has dims [cols, rows].
     */
    public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {

        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        public long byteSize() {
            return type.byteSize(elementCount());
        }
    }

    /** Little-endian primitive reader that refuses lengths the rest of the file cannot hold. */
    private static final class Reader {
        private final Path path;
        private final DataInputStream in;
        private final long fileSize;
        private long position;

        Reader(Path path, DataInputStream in, long fileSize) {
            this.path = path;
            this.in = in;
            this.fileSize = fileSize;
        }

        long u32() throws IOException {
            position += 4;
            return Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        }

        long u64() throws IOException {
            position += 8;
            return Long.reverseBytes(in.readLong());
        }

        long count(String what) throws IOException {
            long n = u64();
            if (n < 0 || n > fileSize - position) {
                throw new ModelFormatException(path, "implausible " + what + " " + Long.toUnsignedString(n));
            }
            return n;
        }

        String string() throws IOException {
            long length = count("string length");
            byte[] bytes = new byte[(int) length];
            in.readFully(bytes);
            position += length;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        Object value(int type, String key) throws IOException {
            return switch (type) {
                case 0, 1 -> {
                    position += 1;
                    yield type == 0 ? (long) in.readUnsignedByte() : (long) in.readByte();
                }
                case 2, 3 -> {
                    position += 2;
                    short s = Short.reverseBytes(in.readShort());
                    yield type == 2 ? (long) (s & 0xffff) : (long) s;
                }
                case 4 -> u32();
                case 5 -> (long) (int) u32();
                case 6 -> Float.intBitsToFloat((int) u32());
                case 7 -> {
                    position += 1;
                    yield in.readByte() != 0;
                }
                case 8 -> string();
                case 9 -> array(key);
                case 10, 11 -> u64();
                case 12 -> Double.longBitsToDouble(u64());
                default -> throw new ModelFormatException(path, "metadata " + key + " has unknown value type " + type);
            };
        }

        private List<Object> array(String key) throws IOException {
            int elementType = (int) u32();
            if (elementType == 9) {
                throw new ModelFormatException(path, "metadata " + key + " nests arrays, which GGUF models do not use");
            }
            long length = count("array length");
            List<Object> values = new ArrayList<>((int) Math.min(length, 1 << 20));
            for (long i = 0; i < length; i++) {
                values.add(value(elementType, key));
            }
            return values;
        }

        TensorInfo tensorInfo() throws IOException {
            String name = string();
            long dimCount = u32();
            if (dimCount == 0 || dimCount > MAX_DIMS) {
                throw new ModelFormatException(path, "tensor " + name + " has " + dimCount + " dimensions");
            }
            long[] dims = new long[(int) dimCount];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = u64();
                if (dims[i] <= 0 || dims[i] > Integer.MAX_VALUE) {
                    throw new ModelFormatException(path, "tensor " + name + " has invalid dimension " + dims[i]);
                }
            }
            GgmlType type = GgmlType.of(path, name, u32());
            if (dims[0] % type.blockValues() != 0) {
                throw new ModelFormatException(
                        path,
                        type + " tensor " + name + " has rows of " + dims[0] + " values, not a multiple of its "
                                + type.blockValues() + "-value block");
            }
            // Every element takes at least a byte, so a count or offset past the file's size is a lie; checking both
            // here also keeps the byte arithmetic after this from overflowing.
            long elements = 1;
            for (long dim : dims) {
                elements = dim > fileSize / elements ? Long.MAX_VALUE : elements * dim;
            }
            long offset = u64();
            if (elements > fileSize || offset < 0 || offset > fileSize) {
                throw new ModelFormatException(
                        path,
                        "tensor " + name + " (" + Arrays.toString(dims) + " at offset " + Long.toUnsignedString(offset)
                                + ") cannot fit a file of " + fileSize + " bytes");
            }
            return new TensorInfo(name, dims, type, offset);
        }
    }
}
