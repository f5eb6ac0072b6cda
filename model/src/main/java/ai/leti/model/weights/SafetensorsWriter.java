package ai.leti.model.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the safetensors format ({@link Safetensors} reads it): tensors streamed a block at a time, converted to
 * the file's dtype on the way, so a model is never copied whole; the file appears whole or not at all.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    /**
     * One tensor to write: its name, its shape, and its values as consecutive little-endian blocks of
     * {@code dtype} (views of an engine array's memory, or wrapped floats), so no tensor is copied whole.
     */
    public record Outgoing(String name, long[] shape, DType dtype, Consumer<Consumer<ByteBuffer>> blocks) {

        public static Outgoing of(Tensor tensor) {
            ByteBuffer bytes = ByteBuffer.allocate(tensor.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(tensor.values());
            return new Outgoing(tensor.name(), tensor.shape(), DType.F32, sink -> sink.accept(bytes));
        }

        long count() {
            long count = 1;
            for (long dimension : shape) {
                count *= dimension;
            }
            return count;
        }
    }

    /** Writes float32 tensors as one file: see {@link #writeAll}. */
    public static void write(Path file, Collection<Tensor> tensors, DType dtype, Map<String, String> metadata) {
        writeAll(file, tensors.stream().map(Outgoing::of).toList(), dtype, metadata);
    }

    /**
     * Writes tensors as one safetensors file, in name order, as F32, BF16 or F16 (converted block by block,
     * rounding to nearest even), with string metadata ({@code format: pt} is what transformers expects). The file
     * appears whole or not at all.
     */
    public static void writeAll(Path file, Collection<Outgoing> tensors, DType dtype, Map<String, String> metadata) {
        if (!dtype.isWritable()) {
            throw new IllegalArgumentException("checkpoints are written as F32, BF16 or F16, not " + dtype);
        }
        List<Outgoing> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Outgoing::name));
        ObjectNode header = Jsonl.MAPPER.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Outgoing tensor : sorted) {
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long dimension : tensor.shape()) {
                shape.add(dimension);
            }
            long bytes = tensor.count() * dtype.bytes();
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Jsonl.MAPPER.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the data starts 8-byte aligned, as the reference writer does
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded));
                writeFully(out, ByteBuffer.wrap(headerBytes));
                ByteBuffer scratch = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
                for (Outgoing tensor : sorted) {
                    long[] written = {0};
                    tensor.blocks().accept(block -> written[0] += writeBlock(out, block, tensor.dtype(), dtype, scratch));
                    if (written[0] != tensor.count()) {
                        throw new IllegalStateException(tensor.name() + ": wrote " + written[0] + " of " + tensor.count()
                                + " elements");
                    }
                }
                out.force(false);
            }
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UncheckedIOException e) {
            throw new WeightsException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes one block in the file's dtype; returns its element count. */
    private static long writeBlock(FileChannel out, ByteBuffer block, DType from, DType to, ByteBuffer scratch) {
        ByteBuffer source = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int count = source.remaining() / from.bytes();
        try {
            if (from == to) {
                writeFully(out, source);
                return count;
            }
            ByteBuffer elements = source.slice().order(ByteOrder.LITTLE_ENDIAN);
            int perChunk = scratch.capacity() / to.bytes();
            for (int start = 0; start < count; start += perChunk) {
                int n = Math.min(perChunk, count - start);
                scratch.clear();
                for (int i = 0; i < n; i++) {
                    to.put(scratch, i, from.get(elements, start + i));
                }
                scratch.limit(n * to.bytes());
                writeFully(out, scratch);
            }
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }
}
