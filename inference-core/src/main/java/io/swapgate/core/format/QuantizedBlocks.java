package io.swapgate.core.format;

import java.nio.ByteBuffer;

/**
 * Decodes GGML's quantized blocks to float32, block by block, as ggml defines them.
 *
 * <ul>
 *   <li>Legacy types, 32 values a block with an f16 scale {@code d}: Q4_0 and Q5_0 hold {@code d * (q - 8)} and
 *       {@code d * (q - 16)}; Q4_1 and Q5_1 add an f16 minimum {@code m}: {@code d * q + m}; Q8_0 holds
 *       {@code d * q} with signed bytes. In a block's 16 nibble bytes, the low nibbles are values 0-15 and the high
 *       nibbles values 16-31; the fifth bits of Q5 sit in a 32-bit word, bit {@code j} for value {@code j}.
 *   <li>K-quants, 256-value super-blocks: Q4_K and Q5_K have an f16 scale and an f16 minimum scale, and eight 32-value
 *       sub-blocks, each with a 6-bit scale and 6-bit minimum packed into 12 bytes: value = {@code d * sc * q - dmin *
 *       m}. Each 64-value chunk takes 32 nibble bytes, low nibbles first; Q5_K's fifth bits come from 32 shared bytes,
 *       two bits per chunk. Q6_K has sixteen 16-value sub-blocks with signed 8-bit scales and the f16 scale last:
 *       value = {@code d * sc * (q - 32)}, q's low four bits in 128 bytes and high two bits in 64.
 * </ul>
 */
final class QuantizedBlocks {

    private QuantizedBlocks() {}

    static float[] decode(GgmlType type, ByteBuffer le, int count) {
        float[] out = new float[count];
        int blocks = count / type.blockValues();
        for (int block = 0; block < blocks; block++) {
            int at = block * type.blockBytes();
            int to = block * type.blockValues();
            switch (type) {
                case Q4_0 -> q4Legacy(le, at, out, to, false);
                case Q4_1 -> q4Legacy(le, at, out, to, true);
                case Q5_0 -> q5Legacy(le, at, out, to, false);
                case Q5_1 -> q5Legacy(le, at, out, to, true);
                case Q8_0 -> q8(le, at, out, to);
                case Q4_K -> q45K(le, at, out, to, false);
                case Q5_K -> q45K(le, at, out, to, true);
                case Q6_K -> q6K(le, at, out, to);
                default -> throw new IllegalArgumentException(type + " is not a quantized type");
            }
        }
        return out;
    }

    private static float half(ByteBuffer le, int at) {
        return ElementType.halfToFloat(le.getShort(at));
    }

    private static int unsigned(ByteBuffer le, int at) {
        return le.get(at) & 0xff;
    }

    /** Q4_0 (d, 16 nibble bytes) and Q4_1 (d, m, 16 nibble bytes). */
    private static void q4Legacy(ByteBuffer le, int at, float[] out, int to, boolean withMin) {
        float d = half(le, at);
        float offset = withMin ? half(le, at + 2) : -8 * d;
        int qs = at + (withMin ? 4 : 2);
        for (int j = 0; j < 16; j++) {
            int b = unsigned(le, qs + j);
            out[to + j] = d * (b & 0xf) + offset;
            out[to + j + 16] = d * (b >>> 4) + offset;
        }
    }

    /** Q5_0 (d, 32 fifth bits, 16 nibble bytes) and Q5_1 (d, m, fifth bits, nibbles). */
    private static void q5Legacy(ByteBuffer le, int at, float[] out, int to, boolean withMin) {
        float d = half(le, at);
        float offset = withMin ? half(le, at + 2) : -16 * d;
        int high = le.getInt(at + (withMin ? 4 : 2));
        int qs = at + (withMin ? 8 : 6);
        for (int j = 0; j < 16; j++) {
            int b = unsigned(le, qs + j);
            int low = (b & 0xf) | (((high >>> j) & 1) << 4);
            int up = (b >>> 4) | (((high >>> (j + 16)) & 1) << 4);
            out[to + j] = d * low + offset;
            out[to + j + 16] = d * up + offset;
        }
    }

    private static void q8(ByteBuffer le, int at, float[] out, int to) {
        float d = half(le, at);
        for (int j = 0; j < 32; j++) {
            out[to + j] = d * le.get(at + 2 + j);
        }
    }

    /** Q4_K (d, dmin, 12 scale bytes, 128 nibble bytes) and Q5_K (the same with 32 fifth-bit bytes before the nibbles). */
    private static void q45K(ByteBuffer le, int at, float[] out, int to, boolean fifthBit) {
        float d = half(le, at);
        float dmin = half(le, at + 2);
        int scales = at + 4;
        int high = at + 16;
        int qs = fifthBit ? at + 48 : at + 16;
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int part = 0; part < 2; part++) {
                int sub = 2 * chunk + part;
                float scale = d * subScale(le, scales, sub);
                float min = dmin * subMin(le, scales, sub);
                for (int l = 0; l < 32; l++) {
                    int b = unsigned(le, qs + 32 * chunk + l);
                    int q = part == 0 ? b & 0xf : b >>> 4;
                    if (fifthBit) {
                        q |= ((unsigned(le, high + l) >>> sub) & 1) << 4;
                    }
                    out[to + 32 * sub + l] = scale * q - min;
                }
            }
        }
    }

    /** The 6-bit scale of sub-block {@code j} (0-7): the low six bits of byte j, or split over bytes j+4 and j-4. */
    private static int subScale(ByteBuffer le, int scales, int j) {
        return j < 4
                ? unsigned(le, scales + j) & 63
                : (unsigned(le, scales + j + 4) & 0xf) | ((unsigned(le, scales + j - 4) >>> 6) << 4);
    }

    /** The 6-bit minimum of sub-block {@code j}: the low six bits of byte j+4, or split over bytes j+4 and j. */
    private static int subMin(ByteBuffer le, int scales, int j) {
        return j < 4
                ? unsigned(le, scales + j + 4) & 63
                : (unsigned(le, scales + j + 4) >>> 4) | ((unsigned(le, scales + j) >>> 6) << 4);
    }

    /** Q6_K: 128 low-nibble bytes, 64 high-bit bytes, 16 signed scales, then d. */
    private static void q6K(ByteBuffer le, int at, float[] out, int to) {
        float d = half(le, at + 208);
        for (int part = 0; part < 2; part++) {
            int ql = at + 64 * part;
            int qh = at + 128 + 32 * part;
            int sc = at + 192 + 8 * part;
            int base = to + 128 * part;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int low = unsigned(le, ql + l);
                int lowNext = unsigned(le, ql + l + 32);
                int h = unsigned(le, qh + l);
                int q1 = ((low & 0xf) | ((h & 3) << 4)) - 32;
                int q2 = ((lowNext & 0xf) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((low >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((lowNext >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                out[base + l] = d * le.get(sc + is) * q1;
                out[base + l + 32] = d * le.get(sc + is + 2) * q2;
                out[base + l + 64] = d * le.get(sc + is + 4) * q3;
                out[base + l + 96] = d * le.get(sc + is + 6) * q4;
            }
        }
    }
}
