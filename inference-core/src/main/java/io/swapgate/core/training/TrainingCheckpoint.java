package io.swapgate.core.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Everything a training run needs to go on from the end of a step exactly as if it had never stopped: the
 * parameters, the optimizer's moments, and the early-stopping state. Steps are otherwise a function of the seed and
 * the step number, so a run resumed from a checkpoint ends with the same adapter as one never interrupted.
 *
 * @param fingerprint what the run trains (config, examples, parent): a checkpoint of another run is never resumed
 * @param step the last step done
 * @param best the parameters at the best validation loss so far; empty before the first validation pass
 */
public record TrainingCheckpoint(
        String fingerprint,
        int step,
        double trainLoss,
        double bestValidation,
        int evaluationsWithoutGain,
        List<float[]> parameters,
        List<float[]> best,
        OptimizerState optimizer) {

    private static final int MAGIC = 0x53474350; // "SGCP"
    private static final int FORMAT = 1;

    public TrainingCheckpoint {
        parameters = List.copyOf(parameters);
        best = List.copyOf(best);
    }

    /** The checkpoint as bytes: a header, the fields, and a CRC-32 of all that, so a torn or altered file is refused. */
    public byte[] toBytes() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(fingerprint);
            out.writeInt(step);
            out.writeDouble(trainLoss);
            out.writeDouble(bestValidation);
            out.writeInt(evaluationsWithoutGain);
            writeArrays(out, parameters);
            writeArrays(out, best);
            out.writeInt(optimizer.steps());
            writeArrays(out, optimizer.firstMoments());
            writeArrays(out, optimizer.secondMoments());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        byte[] body = buffer.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(body);
        byte[] bytes = Arrays.copyOf(body, body.length + Long.BYTES);
        java.nio.ByteBuffer.wrap(bytes, body.length, Long.BYTES).putLong(crc.getValue());
        return bytes;
    }

    /** @throws IOException when the bytes are not a whole, unaltered checkpoint of this format */
    public static TrainingCheckpoint fromBytes(byte[] bytes) throws IOException {
        if (bytes.length < 2 * Integer.BYTES + Long.BYTES) {
            throw new IOException("a checkpoint of " + bytes.length + " bytes is truncated");
        }
        int bodyLength = bytes.length - Long.BYTES;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bodyLength);
        if (crc.getValue()
                != java.nio.ByteBuffer.wrap(bytes, bodyLength, Long.BYTES).getLong()) {
            throw new IOException("the checkpoint's checksum does not match: the file is torn or altered");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bodyLength))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                throw new IOException("not a checkpoint of format " + FORMAT);
            }
            String fingerprint = in.readUTF();
            int step = in.readInt();
            double trainLoss = in.readDouble();
            double bestValidation = in.readDouble();
            int evaluationsWithoutGain = in.readInt();
            List<float[]> parameters = readArrays(in, bodyLength);
            List<float[]> best = readArrays(in, bodyLength);
            OptimizerState optimizer =
                    new OptimizerState(in.readInt(), readArrays(in, bodyLength), readArrays(in, bodyLength));
            return new TrainingCheckpoint(
                    fingerprint, step, trainLoss, bestValidation, evaluationsWithoutGain, parameters, best, optimizer);
        }
    }

    private static void writeArrays(DataOutputStream out, List<float[]> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (float[] array : arrays) {
            out.writeInt(array.length);
            for (float value : array) {
                out.writeFloat(value);
            }
        }
    }

    /** Reads a list of arrays; counts are checked against the file's size before anything is allocated. */
    private static List<float[]> readArrays(DataInputStream in, int fileSize) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > fileSize / Integer.BYTES) {
            throw new IOException("a checkpoint cannot hold " + count + " arrays");
        }
        List<float[]> arrays = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = in.readInt();
            if (length < 0 || length > fileSize / Float.BYTES) {
                throw new IOException("a checkpoint cannot hold an array of " + length + " values");
            }
            float[] array = new float[length];
            for (int j = 0; j < length; j++) {
                array[j] = in.readFloat();
            }
            arrays.add(array);
        }
        return arrays;
    }
}
