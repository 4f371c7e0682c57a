package io.swapgate.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Each GGML block type decodes a hand-built block to the values ggml's definition gives it. The blocks use distinct
 * scales, minimums and quants per sub-block, so a swapped nibble, bit or scale shows. (QuantizedGgufAgreementIT checks
 * whole files against llama.cpp.)
 */
class QuantizedBlocksTest {

    private static final short ONE = 0x3C00; // binary16 1.0
    private static final short HALF = 0x3800; // 0.5
    private static final short QUARTER = 0x3400; // 0.25
    private static final short EIGHTH = 0x3000; // 0.125
    private static final short TWO = 0x4000; // 2.0
    private static final short MINUS_ONE = (short) 0xBC00; // -1.0

    @Test
    void q4_0HoldsScaledNibblesAroundEight() {
        ByteBuffer block = block(18).putShort(HALF);
        for (int j = 0; j < 16; j++) {
            block.put((byte) (j | ((15 - j) << 4)));
        }
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = 0.5f * (j - 8);
            expected[j + 16] = 0.5f * (7 - j);
        }
        assertArrayEquals(expected, decode(GgmlType.Q4_0, block, 32));
    }

    @Test
    void q4_1AddsTheBlockMinimum() {
        ByteBuffer block = block(20).putShort(QUARTER).putShort(MINUS_ONE);
        for (int j = 0; j < 16; j++) {
            block.put((byte) (j | ((15 - j) << 4)));
        }
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = 0.25f * j - 1;
            expected[j + 16] = 0.25f * (15 - j) - 1;
        }
        assertArrayEquals(expected, decode(GgmlType.Q4_1, block, 32));
    }

    @Test
    void q5_0TakesEachValuesFifthBitFromItsBitOfTheWord() {
        ByteBuffer block = block(22).putShort(ONE).putInt(0xAAAA5555); // bit j set for even j < 16 and odd j >= 16
        for (int j = 0; j < 16; j++) {
            block.put((byte) (j | ((15 - j) << 4)));
        }
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = j + (j % 2 == 0 ? 16 : 0) - 16;
            expected[j + 16] = (15 - j) + ((j + 16) % 2 == 1 ? 16 : 0) - 16;
        }
        assertArrayEquals(expected, decode(GgmlType.Q5_0, block, 32));
    }

    @Test
    void q5_1AddsTheBlockMinimumToFiveBitValues() {
        ByteBuffer block = block(24).putShort(TWO).putShort(HALF).putInt(0x0000FFFF);
        for (int j = 0; j < 16; j++) {
            block.put((byte) (j | (j << 4)));
        }
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = 2f * (j + 16) + 0.5f;
            expected[j + 16] = 2f * j + 0.5f;
        }
        assertArrayEquals(expected, decode(GgmlType.Q5_1, block, 32));
    }

    @Test
    void q8_0HoldsScaledSignedBytes() {
        ByteBuffer block = block(34).putShort(EIGHTH);
        float[] expected = new float[32];
        for (int i = 0; i < 32; i++) {
            block.put((byte) (i * 8 - 128));
            expected[i] = 0.125f * (i * 8 - 128);
        }
        assertArrayEquals(expected, decode(GgmlType.Q8_0, block, 32));
    }

    /** Q4_K's sub-blocks 4-7 keep their scales and minimums split over three bytes; each must come back whole. */
    @Test
    void q4_KGivesEverySubBlockItsOwnSixBitScaleAndMinimum() {
        int[] scales = {1, 2, 3, 4, 44, 45, 46, 63};
        int[] minimums = {10, 11, 12, 13, 54, 55, 56, 33};
        ByteBuffer block = block(144).putShort(ONE).putShort(HALF).put(packedScales(scales, minimums));
        putNibbles(block, QuantizedBlocksTest::kQuant);
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            expected[v] = scales[v / 32] * (kQuant(v) & 0xf) - 0.5f * minimums[v / 32];
        }
        assertArrayEquals(expected, decode(GgmlType.Q4_K, block, 256));
    }

    @Test
    void q5_KTakesFifthBitsFromTheSharedBytesOneBitPerSubBlock() {
        int[] scales = {5, 9, 17, 33, 40, 48, 60, 7};
        int[] minimums = {0, 63, 1, 62, 16, 32, 8, 4};
        ByteBuffer block = block(176).putShort(HALF).putShort(ONE).put(packedScales(scales, minimums));
        for (int l = 0; l < 32; l++) {
            int bits = 0;
            for (int s = 0; s < 8; s++) {
                bits |= (kQuant(32 * s + l) >> 4) << s;
            }
            block.put((byte) bits);
        }
        putNibbles(block, QuantizedBlocksTest::kQuant);
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            expected[v] = 0.5f * scales[v / 32] * kQuant(v) - minimums[v / 32];
        }
        assertArrayEquals(expected, decode(GgmlType.Q5_K, block, 256));
    }

    @Test
    void q6_KCombinesLowNibblesAndHighBitPairsWithSignedScales() {
        ByteBuffer block = block(210);
        byte[] low = new byte[128];
        byte[] high = new byte[64];
        for (int part = 0; part < 2; part++) {
            for (int l = 0; l < 32; l++) {
                int base = 128 * part + l;
                low[64 * part + l] = (byte) ((q6(base) & 0xf) | ((q6(base + 64) & 0xf) << 4));
                low[64 * part + l + 32] = (byte) ((q6(base + 32) & 0xf) | ((q6(base + 96) & 0xf) << 4));
                high[32 * part + l] = (byte) ((q6(base) >> 4)
                        | ((q6(base + 32) >> 4) << 2)
                        | ((q6(base + 64) >> 4) << 4)
                        | ((q6(base + 96) >> 4) << 6));
            }
        }
        block.put(low).put(high);
        for (int s = 0; s < 16; s++) {
            block.put((byte) (3 * s - 24));
        }
        block.putShort(HALF);
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            expected[v] = 0.5f * (3 * (v / 16) - 24) * (q6(v) - 32);
        }
        assertArrayEquals(expected, decode(GgmlType.Q6_K, block, 256));
    }

    @Test
    void aTypeSwapgateDoesNotDecodeIsNamedWithTheOnesItDoes() {
        ModelFormatException refused =
                assertThrows(ModelFormatException.class, () -> GgmlType.of(Path.of("m.gguf"), "blk.0.x", 10));
        assertEquals(
                "m.gguf: tensor blk.0.x has GGML type 10, which Swapgate does not decode (supported: F32, F16, Q4_0,"
                        + " Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16)",
                refused.getMessage());
    }

    /** A 5-bit quant that differs by sub-block and position (its low nibble serves Q4_K). */
    private static int kQuant(int v) {
        return (v * 7 + v / 32) % 32;
    }

    private static int q6(int v) {
        return (v * 5 + 3) % 64;
    }

    /** 64-value chunks of 32 bytes: values 0-31 of the chunk in the low nibbles, 32-63 in the high ones. */
    private static void putNibbles(ByteBuffer block, java.util.function.IntUnaryOperator quant) {
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int lowValue = quant.applyAsInt(64 * chunk + l) & 0xf;
                int highValue = quant.applyAsInt(64 * chunk + 32 + l) & 0xf;
                block.put((byte) (lowValue | (highValue << 4)));
            }
        }
    }

    /** K-quant scale packing: 0-3 in bytes 0-7's low six bits, 4-7 as a nibble in bytes 8-11 plus their top bits. */
    private static byte[] packedScales(int[] scales, int[] minimums) {
        byte[] packed = new byte[12];
        for (int j = 0; j < 4; j++) {
            packed[j] = (byte) (scales[j] | ((scales[j + 4] >> 4) << 6));
            packed[j + 4] = (byte) (minimums[j] | ((minimums[j + 4] >> 4) << 6));
            packed[j + 8] = (byte) ((scales[j + 4] & 0xf) | ((minimums[j + 4] & 0xf) << 4));
        }
        return packed;
    }

    private static ByteBuffer block(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] decode(GgmlType type, ByteBuffer block, int values) {
        assertEquals(type.blockBytes(), block.position(), "the hand-built block's size");
        return type.decode(block.flip(), values);
    }
}
