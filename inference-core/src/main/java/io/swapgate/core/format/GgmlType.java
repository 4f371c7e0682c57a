package io.swapgate.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The GGML element types Swapgate decodes, with their ids in GGUF tensor descriptors. A quantized type stores its
 * values in blocks of {@link #blockValues} values taking {@link #blockBytes} bytes each; a row is whole blocks. Every
 * type is decoded to float32 at load (see {@link QuantizedBlocks}), so a 4-bit file costs 4 bytes per parameter in
 * memory once loaded.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    private final int id;
    private final int blockValues;
    private final int blockBytes;

    GgmlType(int id, int blockValues, int blockBytes) {
        this.id = id;
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
    }

    public int id() {
        return id;
    }

    /** Values per block: 1 for plain float types, 32 or 256 for quantized ones. */
    public int blockValues() {
        return blockValues;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** Bytes that {@code elements} values take; {@code elements} must be whole blocks. */
    public long byteSize(long elements) {
        return elements / blockValues * blockBytes;
    }

    /** Decodes {@code count} values (whole blocks) starting at the buffer's position. */
    public float[] decode(ByteBuffer bytes, int count) {
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        return switch (this) {
            case F32 -> ElementType.F32.decode(le, count);
            case F16 -> ElementType.F16.decode(le, count);
            case BF16 -> ElementType.BF16.decode(le, count);
            default -> QuantizedBlocks.decode(this, le, count);
        };
    }

    static GgmlType of(Path file, String tensor, long id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new ModelFormatException(
                file,
                "tensor " + tensor + " has GGML type " + id + ", which Swapgate does not decode (supported: "
                        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
    }
}
