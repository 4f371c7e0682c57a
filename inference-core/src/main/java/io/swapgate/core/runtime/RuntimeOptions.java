package io.swapgate.core.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;

/**
 * Where and in what precision the model runs.
 *
 * @param device CPU by default; a GPU when one is present and asked for
 * @param dataType float32 on CPU; float16 or bfloat16 on GPU
 * @param threads intra-op threads for the PyTorch engine
 */
public record RuntimeOptions(Device device, DataType dataType, int threads) {

    public RuntimeOptions {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16 && dataType != DataType.BFLOAT16) {
            throw new IllegalArgumentException("unsupported data type " + dataType + " (float32, float16, bfloat16)");
        }
        if (device.isGpu() == false && dataType != DataType.FLOAT32) {
            throw new IllegalArgumentException("CPU serving uses float32, not " + dataType);
        }
    }

    public static RuntimeOptions cpu(int threads) {
        return new RuntimeOptions(Device.cpu(), DataType.FLOAT32, threads);
    }

    /** Below this size one intra-op thread is fastest: splitting tiny matrices costs more than it saves. */
    static final long SMALL_MODEL_PARAMETERS = 20_000_000L;

    /**
     * Intra-op threads when the setting is 0 (auto): one for small models, otherwise every core. Decode steps that
     * {@code VectorDecoder} runs split over the same threads: one stream of the 85.7M peer model made 61.0 tokens/s on
     * two threads against 39.6 on one, and 32 streams 238.4 against 187.2.
     */
    public static int autoThreads(long parameters, int cores) {
        return parameters < SMALL_MODEL_PARAMETERS ? 1 : Math.max(1, cores);
    }

    /**
     * Chooses the device from a setting: "cpu", "gpu" (fails without one) or "auto" (a GPU when present).
     * GPUs run in float16 unless {@code gpuDataType} says "bfloat16" or "float32".
     */
    public static RuntimeOptions select(String device, String gpuDataType, int threads) {
        boolean gpuPresent = Engine.getEngine("PyTorch").getGpuCount() > 0;
        boolean useGpu = switch (device) {
            case "cpu" -> false;
            case "gpu" -> {
                if (!gpuPresent) {
                    throw new IllegalStateException("device=gpu but the PyTorch engine sees no GPU");
                }
                yield true;
            }
            case "auto" -> gpuPresent;
            default -> throw new IllegalArgumentException("device must be auto, cpu or gpu, not '" + device + "'");
        };
        if (!useGpu) {
            return cpu(threads);
        }
        DataType type = switch (gpuDataType) {
            case "float16" -> DataType.FLOAT16;
            case "bfloat16" -> DataType.BFLOAT16;
            case "float32" -> DataType.FLOAT32;
            default -> throw new IllegalArgumentException("GPU data type must be float16, bfloat16 or float32");
        };
        return new RuntimeOptions(Device.gpu(), type, threads);
    }
}
