package ai.leti.model.weights;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.leti.common.json.Jsonl;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header of
 * {@code name -> {dtype, shape, data_offsets}}, then raw little-endian buffers), read and written here
 * rather than through DJL because DJL's decoder crashes the JVM on BF16, the dtype most current
 * checkpoints ship in. Reading maps each tensor's bytes and converts F16/BF16/F64 to float32.
 */
public final class Safetensors implements AutoCloseable {

    /** Where one tensor's bytes are, as the header says. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

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
                throw new WeightsException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
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
        Entry entry = entries.get(name);
        if (entry == null) {
            throw new WeightsException(file + ": no tensor named " + name);
        }
        if (!entry.dtype().isFloating()) {
            throw new WeightsException(file + ": tensor " + name + " is " + entry.dtype() + ", expected a float dtype");
        }
        long length = entry.end() - entry.begin();
        if (length / entry.dtype().bytes() > Integer.MAX_VALUE - 8) {
            throw new WeightsException(file + ": tensor " + name + " is too large for one array");
        }
        ByteBuffer bytes;
        try {
            bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(), length)
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot read tensor " + name + ": " + e.getMessage(), e);
        }
        return new Tensor(name, entry.shape(), toFloats(bytes, entry.dtype(), (int) (length / entry.dtype().bytes())));
    }

    static float[] toFloats(ByteBuffer bytes, DType dtype, int count) {
        float[] values = new float[count];
        switch (dtype) {
            case F32 -> bytes.asFloatBuffer().get(values);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = (float) bytes.getDouble(i * 8);
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat((bytes.getShort(i * 2) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = halfToFloat(bytes.getShort(i * 2));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not floating");
        }
        return values;
    }

    /** IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13)); // infinity or NaN
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            float value = mantissa / 1024f / 16384f; // subnormal: mantissa * 2^-24
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** float32 to bfloat16 bits, rounding to nearest even as PyTorch does. */
    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x40); // keep NaN a NaN
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /**
     * Writes tensors as one safetensors file, in name order, as F32 or BF16, with string metadata
     * ({@code format: pt} is what transformers expects).
     */
    public static void write(Path file, Collection<Tensor> tensors, DType dtype, Map<String, String> metadata) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("checkpoints are written as F32 or BF16, not " + dtype);
        }
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Tensor::name));
        ObjectNode header = Jsonl.MAPPER.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Tensor tensor : sorted) {
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long dimension : tensor.shape()) {
                shape.add(dimension);
            }
            long bytes = tensor.size() * dtype.bytes();
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
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Tensor tensor : sorted) {
                    out.write(encode(tensor.values(), dtype));
                }
            }
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new WeightsException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encode(float[] values, DType dtype) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.F32) {
            FloatBuffer floats = buffer.asFloatBuffer();
            floats.put(values);
        } else {
            for (float value : values) {
                buffer.putShort(floatToBf16(value));
            }
        }
        return buffer.array();
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
