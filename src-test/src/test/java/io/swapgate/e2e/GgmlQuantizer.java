package io.swapgate.e2e;

import io.swapgate.core.format.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes float32 values as GGML's quantized blocks, so tests can write the quantized GGUF files people download
 * (Q4_K_M, Q5_K_M, legacy Q4_0...) and have llama.cpp read them. A plain round-to-nearest quantizer following ggml's
 * block layouts, not llama.cpp's error-minimising search: the tests compare engines on the same file, so what matters
 * is that the blocks are valid, not that they are the best possible.
 *
 * <p>Written from the format's definition independently of Swapgate's decoder; llama.cpp reading these files is what
 * checks both.
 */
final class GgmlQuantizer {

    private GgmlQuantizer() {}

    /** {@code values} (whole blocks) encoded as {@code type}, little-endian. */
    static byte[] encode(GgmlType type, float[] values) {
        if (values.length % type.blockValues() != 0) {
            throw new IllegalArgumentException(values.length + " values are not whole " + type + " blocks");
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(type.byteSize(values.length)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += type.blockValues()) {
            switch (type) {
                case F32 -> out.putFloat(values[from]);
                case F16 -> out.putShort(Half.of(values[from]));
                case BF16 -> out.putShort(brainFloat(values[from]));
                case Q4_0 -> symmetric(out, values, from, 4);
                case Q5_0 -> symmetric(out, values, from, 5);
                case Q4_1 -> withMinimum(out, values, from, 4);
                case Q5_1 -> withMinimum(out, values, from, 5);
                case Q8_0 -> q8(out, values, from);
                case Q4_K -> kQuant(out, values, from, 4);
                case Q5_K -> kQuant(out, values, from, 5);
                case Q6_K -> q6K(out, values, from);
                default -> throw new IllegalArgumentException("no encoder for " + type);
            }
        }
        return out.array();
    }

    /** Q4_0 / Q5_0: value = d * (q - 2^(bits-1)), d signed so the largest magnitude maps to q = 0. */
    private static void symmetric(ByteBuffer out, float[] x, int from, int bits) {
        int offset = 1 << (bits - 1);
        float extreme = 0;
        for (int i = 0; i < 32; i++) {
            if (Math.abs(x[from + i]) > Math.abs(extreme)) {
                extreme = x[from + i];
            }
        }
        float d = Half.round(extreme / -offset);
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) {
            q[i] = clamp(d == 0 ? offset : Math.round(x[from + i] / d) + offset, 0, 2 * offset - 1);
        }
        out.putShort(Half.of(d));
        nibbles(out, q, bits);
    }

    /** Q4_1 / Q5_1: value = d * q + m with m the block's minimum. */
    private static void withMinimum(ByteBuffer out, float[] x, int from, int bits) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < 32; i++) {
            min = Math.min(min, x[from + i]);
            max = Math.max(max, x[from + i]);
        }
        int top = (1 << bits) - 1;
        float d = Half.round((max - min) / top);
        float m = Half.round(min);
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) {
            q[i] = clamp(d == 0 ? 0 : Math.round((x[from + i] - m) / d), 0, top);
        }
        out.putShort(Half.of(d));
        out.putShort(Half.of(m));
        nibbles(out, q, bits);
    }

    /** Legacy packing: for Q5 a 32-bit word of fifth bits (bit j for value j), then low nibbles of values 0-15 with those of 16-31 above them. */
    private static void nibbles(ByteBuffer out, int[] q, int bits) {
        if (bits == 5) {
            int high = 0;
            for (int j = 0; j < 32; j++) {
                high |= ((q[j] >> 4) & 1) << j;
            }
            out.putInt(high);
        }
        for (int j = 0; j < 16; j++) {
            out.put((byte) ((q[j] & 0xf) | ((q[j + 16] & 0xf) << 4)));
        }
    }

    private static void q8(ByteBuffer out, float[] x, int from) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(x[from + i]));
        }
        float d = Half.round(amax / 127);
        out.putShort(Half.of(d));
        for (int i = 0; i < 32; i++) {
            out.put((byte) (d == 0 ? 0 : clamp(Math.round(x[from + i] / d), -127, 127)));
        }
    }

    /**
     * Q4_K / Q5_K: eight 32-value sub-blocks, value = d * sc * q - dmin * m, with 6-bit sc and m per sub-block packed
     * into 12 bytes (sub-blocks 0-3 in the low six bits of bytes 0-3 and 4-7; 4-7 split into a nibble of bytes 8-11 and
     * the top two bits of bytes 0-7).
     */
    private static void kQuant(ByteBuffer out, float[] x, int from, int bits) {
        int top = (1 << bits) - 1;
        float[] scale = new float[8];
        float[] minimum = new float[8];
        for (int s = 0; s < 8; s++) {
            float min = 0;
            float max = 0;
            for (int i = 0; i < 32; i++) {
                min = Math.min(min, x[from + 32 * s + i]);
                max = Math.max(max, x[from + 32 * s + i]);
            }
            scale[s] = (max - min) / top;
            minimum[s] = -min;
        }
        float d = Half.round(max(scale) / 63);
        float dmin = Half.round(max(minimum) / 63);
        int[] sc = new int[8];
        int[] m = new int[8];
        int[] q = new int[256];
        for (int s = 0; s < 8; s++) {
            sc[s] = d == 0 ? 0 : clamp(Math.round(scale[s] / d), 0, 63);
            m[s] = dmin == 0 ? 0 : clamp(Math.round(minimum[s] / dmin), 0, 63);
            float step = d * sc[s];
            for (int i = 0; i < 32; i++) {
                float shifted = x[from + 32 * s + i] + dmin * m[s];
                q[32 * s + i] = step == 0 ? 0 : clamp(Math.round(shifted / step), 0, top);
            }
        }
        out.putShort(Half.of(d));
        out.putShort(Half.of(dmin));
        byte[] packed = new byte[12];
        for (int j = 0; j < 4; j++) {
            packed[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            packed[j + 4] = (byte) ((m[j] & 63) | ((m[j + 4] >> 4) << 6));
            packed[j + 8] = (byte) ((sc[j + 4] & 0xf) | ((m[j + 4] & 0xf) << 4));
        }
        out.put(packed);
        if (bits == 5) {
            for (int l = 0; l < 32; l++) {
                int high = 0;
                for (int s = 0; s < 8; s++) {
                    high |= ((q[32 * s + l] >> 4) & 1) << s;
                }
                out.put((byte) high);
            }
        }
        for (int chunk = 0; chunk < 4; chunk++) {
            for (int l = 0; l < 32; l++) {
                int low = q[64 * chunk + l] & 0xf;
                int high = q[64 * chunk + 32 + l] & 0xf;
                out.put((byte) (low | (high << 4)));
            }
        }
    }

    /**
     * Q6_K: sixteen 16-value sub-blocks, value = d * sc * (q - 32) with signed 8-bit sc. Per 128-value half: 64 bytes
     * of low nibbles (values l and l+64 share byte l, values l+32 and l+96 byte l+32) and 32 bytes of high bit pairs
     * (values l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7 of byte l); then the 16 scales and d.
     */
    private static void q6K(ByteBuffer out, float[] x, int from) {
        float[] scale = new float[16];
        for (int s = 0; s < 16; s++) {
            float extreme = 0;
            for (int i = 0; i < 16; i++) {
                if (Math.abs(x[from + 16 * s + i]) > Math.abs(extreme)) {
                    extreme = x[from + 16 * s + i];
                }
            }
            scale[s] = extreme / -32;
        }
        float largest = 0;
        for (float s : scale) {
            largest = Math.max(largest, Math.abs(s));
        }
        float d = Half.round(largest / 127);
        int[] sc = new int[16];
        int[] q = new int[256];
        for (int s = 0; s < 16; s++) {
            sc[s] = d == 0 ? 0 : clamp(Math.round(scale[s] / d), -128, 127);
            float step = d * sc[s];
            for (int i = 0; i < 16; i++) {
                q[16 * s + i] = step == 0 ? 32 : clamp(Math.round(x[from + 16 * s + i] / step) + 32, 0, 63);
            }
        }
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        for (int part = 0; part < 2; part++) {
            for (int l = 0; l < 32; l++) {
                int base = 128 * part + l;
                int q1 = q[base];
                int q2 = q[base + 32];
                int q3 = q[base + 64];
                int q4 = q[base + 96];
                ql[64 * part + l] = (byte) ((q1 & 0xf) | ((q3 & 0xf) << 4));
                ql[64 * part + l + 32] = (byte) ((q2 & 0xf) | ((q4 & 0xf) << 4));
                qh[32 * part + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        out.put(ql);
        out.put(qh);
        for (int s : sc) {
            out.put((byte) s);
        }
        out.putShort(Half.of(d));
    }

    /** bfloat16: the top 16 bits of the float32, rounded to nearest even. */
    private static short brainFloat(float value) {
        int bits = Float.floatToIntBits(value);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    private static float max(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private static int clamp(int value, int low, int high) {
        return Math.max(low, Math.min(high, value));
    }

    /** IEEE 754 binary16, round to nearest, for the finite range quantization scales live in. */
    static final class Half {

        private Half() {}

        static short of(float value) {
            int sign = value < 0 || (value == 0 && 1 / value < 0) ? 0x8000 : 0;
            float magnitude = Math.abs(value);
            if (magnitude < 0x1p-14f) {
                return (short)
                        (sign | Math.round(magnitude / 0x1p-24f)); // subnormal (1024 rounds up to the least normal)
            }
            int exponent = Math.getExponent(magnitude);
            int mantissa = Math.round((magnitude / Math.scalb(1f, exponent) - 1) * 1024);
            if (mantissa == 1024) {
                mantissa = 0;
                exponent++;
            }
            if (exponent > 15) {
                throw new IllegalArgumentException(value + " overflows binary16");
            }
            return (short) (sign | ((exponent + 15) << 10) | mantissa);
        }

        static float value(short half) {
            int h = half & 0xffff;
            float magnitude = ((h >> 10) & 0x1f) == 0
                    ? (h & 0x3ff) * 0x1p-24f
                    : Math.scalb(1 + (h & 0x3ff) / 1024f, ((h >> 10) & 0x1f) - 15);
            return (h & 0x8000) != 0 ? -magnitude : magnitude;
        }

        /** The binary16 value nearest to {@code value}, as a float. */
        static float round(float value) {
            return value(of(value));
        }
    }
}
