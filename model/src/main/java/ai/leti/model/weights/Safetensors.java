package ai.leti.model.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.leti.common.json.Jsonl;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header of
 * {@code name -> {dtype, shape, data_offsets}}, then raw little-endian buffers), read and written here
 * rather than through DJL because DJL's decoder crashes the JVM on BF16, the dtype most current
 * checkpoints ship in. Reading maps a tensor's bytes a block at a time and converts them to the dtype the
 * weights are held in; writing streams blocks, so neither ever holds a second whole copy of a model.
 */
public final class Safetensors implements AutoCloseable {

    /** Where one tensor's bytes are, as the header says. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static final long MAX_HEADER_BYTES = 100L << 20;
    /** Bytes read from the file at a time. */
    private static final int CHUNK_BYTES = 8 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private ByteBuffer buffer;

    private Safetensors(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens a file and checks its header against its size; a truncated or malformed file fails here. */
    public static Safetensors open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new WeightsException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size();
            if (size < 8) {
                throw new WeightsException(file + ": truncated (" + size + " bytes, no header)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw new WeightsException(file + ": truncated or not safetensors (header length " + headerLength
                        + ", file " + size + " bytes)");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            channel.read(headerBytes, 8);
            JsonNode header;
            try {
                header = Jsonl.MAPPER.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            } catch (JacksonException e) {
                throw new WeightsException(file + ": header is not valid JSON (" + Jsonl.where(e) + ")", e);
            }
            long dataStart = 8 + headerLength;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> field : header.properties()) {
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (name.equals("__metadata__")) {
                    value.properties().forEach(meta -> metadata.put(meta.getKey(), meta.getValue().asString()));
                    continue;
                }
                entries.put(name, entry(file, name, value, size - dataStart));
            }
            return new Safetensors(file, channel, dataStart, entries, metadata);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static Entry entry(Path file, String name, JsonNode value, long dataBytes) {
        JsonNode shapeNode = value.get("shape");
        JsonNode offsets = value.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new WeightsException(file + ": tensor " + name + ": header needs shape and data_offsets [begin, end]");
        }
        DType dtype = DType.parse(value.path("dtype").asString(null), name);
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            count *= shape[i];
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new WeightsException(file + ": tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] lie outside the " + dataBytes + " data bytes (truncated file?)");
        }
        if (end - begin != count * dtype.bytes()) {
            throw new WeightsException(file + ": tensor " + name + ": " + (end - begin) + " bytes do not hold shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    public Path file() {
        return file;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** A floating tensor as float32; an absent name or a non-floating dtype is an error naming the tensor. */
    public Tensor read(String name) {
        Entry entry = floating(name);
        long count = (entry.end() - entry.begin()) / entry.dtype().bytes();
        if (count > Integer.MAX_VALUE - 8) {
            throw new WeightsException(file + ": tensor " + name + " is too large for one array");
        }
        float[] values = new float[(int) count];
        ByteBuffer target = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        readInto(name, 0, target, DType.F32);
        target.rewind().asFloatBuffer().get(values);
        return new Tensor(name, entry.shape(), values);
    }

    /**
     * Converts elements {@code [from, from + n)} of a floating tensor into {@code target} (little-endian, in
     * {@code dtype}), where {@code n} is what {@code target} has room for from its position. The file is read a
     * few megabytes at a time through one reused buffer (not mapped: mapped pages would count against the
     * process until the collector unmapped them), so a tensor of any size is never whole in memory twice.
     */
    public void readInto(String name, long from, ByteBuffer target, DType dtype) {
        Entry entry = floating(name);
        DType source = entry.dtype();
        long count = (entry.end() - entry.begin()) / source.bytes();
        int n = target.remaining() / dtype.bytes();
        if (from < 0 || from + n > count) {
            throw new IllegalArgumentException(name + ": elements [" + from + ", " + (from + n) + ") of " + count);
        }
        ByteBuffer out = target.slice().order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK_BYTES / source.bytes();
        for (int done = 0; done < n; ) {
            int chunk = Math.min(perChunk, n - done);
            ByteBuffer bytes = read(name, dataStart + entry.begin() + (from + done) * source.bytes(), chunk * source.bytes());
            if (source == dtype) {
                out.position(done * dtype.bytes());
                out.put(bytes);
            } else if (source == DType.BF16 && dtype == DType.F32) {
                for (int i = 0; i < chunk; i++) { // the hot case, current checkpoints into float32: a shift
                    out.putInt((done + i) * 4, (bytes.getShort(i * 2) & 0xFFFF) << 16);
                }
            } else {
                ByteBuffer converted = out.duplicate().position(done * dtype.bytes()).slice().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < chunk; i++) {
                    dtype.put(converted, i, source.get(bytes, i));
                }
            }
            done += chunk;
        }
        target.position(target.position() + n * dtype.bytes());
    }

    /** {@code length} bytes at {@code position} of the file, in the reused read buffer. */
    private ByteBuffer read(String name, long position, int length) {
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear().limit(length);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new WeightsException(file + ": tensor " + name + " ends past the end of the file (truncated?)");
                }
            }
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot read tensor " + name + ": " + e.getMessage(), e);
        }
        return buffer.flip();
    }

    private Entry floating(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new WeightsException(file + ": no tensor named " + name);
        }
        if (!entry.dtype().isFloating()) {
            throw new WeightsException(file + ": tensor " + name + " is " + entry.dtype() + ", expected a float dtype");
        }
        return entry;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}
