package io.swapgate.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Reads exact byte ranges of a file, failing with a clear message when the file is shorter than promised. */
final class FileRegion {

    private FileRegion() {}

    static ByteBuffer read(FileChannel channel, Path file, long offset, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(
                    file, "a tensor of " + length + " bytes is larger than Swapgate reads at once");
        }
        long size = channel.size();
        if (offset < 0 || offset + length > size) {
            throw new ModelFormatException(
                    file, "truncated: needs bytes " + offset + ".." + (offset + length) + " but the file has " + size);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new ModelFormatException(file, "truncated while reading at byte " + (offset + buffer.position()));
            }
        }
        return buffer.flip();
    }
}
