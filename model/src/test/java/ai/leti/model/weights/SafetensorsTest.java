package ai.leti.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static final Tensor A = new Tensor("a.weight", new long[] {2, 3}, new float[] {1, -2.5f, 3, 0, 1e-3f, -7});
    private static final Tensor B = new Tensor("b.bias", new long[] {2}, new float[] {0.5f, 65504f});

    @Test
    void writesAndReadsBackFloat32Exactly() {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(B, A), DType.F32, Map.of("format", "pt"));
        try (Safetensors read = Safetensors.open(file)) {
            assertThat(read.entries().keySet()).containsExactly("a.weight", "b.bias");
            assertThat(read.metadata()).containsEntry("format", "pt");
            assertThat(read.read("a.weight")).isEqualTo(A);
            assertThat(read.read("b.bias")).isEqualTo(B);
        }
    }

    @Test
    void writesBf16RoundedToNearestEvenAndReadsItBack() {
        Path file = dir.resolve("bf16.safetensors");
        Tensor values = new Tensor("x", new long[] {4}, new float[] {1f, 1.00390625f, 3.1415927f, -0.0f});
        SafetensorsWriter.write(file, List.of(values), DType.BF16, Map.of());
        try (Safetensors read = Safetensors.open(file)) {
            assertThat(read.entries().get("x").dtype()).isEqualTo(DType.BF16);
            // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: nearest even is 1; pi rounds to 3.140625
            assertThat(read.read("x").values()).containsExactly(1f, 1f, 3.140625f, -0.0f);
        }
    }

    /** Every binary16 value survives half -> float -> half, and float -> half rounds to nearest even. */
    @Test
    void writesHalfPrecisionExactlyAsIeeeRoundsIt() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = DType.halfToFloat((short) bits);
            if (Float.isNaN(value)) {
                assertThat(Float.isNaN(DType.halfToFloat(DType.floatToHalf(value)))).isTrue();
                continue;
            }
            assertThat(DType.floatToHalf(value) & 0xFFFF).as("half %04x", bits).isEqualTo(bits);
        }
        // ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10; 1 + 3 * 2^-11 rounds up to 1 + 2^-9
        assertThat(DType.halfToFloat(DType.floatToHalf(1 + 0x1p-11f))).isEqualTo(1f);
        assertThat(DType.halfToFloat(DType.floatToHalf(1 + 3 * 0x1p-11f))).isEqualTo(1 + 0x1p-9f);
        assertThat(DType.halfToFloat(DType.floatToHalf(70000f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(DType.halfToFloat(DType.floatToHalf(0x1p-26f))).as("below half the smallest subnormal").isEqualTo(0f);
        assertThat(DType.halfToFloat(DType.floatToHalf(0x1.8p-24f))).as("1.5 subnormal steps, a tie: to even")
                .isEqualTo(0x1p-23f);
    }

    @Test
    void convertsHalfPrecisionIncludingSubnormalsAndInfinity() throws IOException {
        short[] halves = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x0000};
        Path file = raw("f16.safetensors", "{\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]}}", halves);
        try (Safetensors read = Safetensors.open(file)) {
            assertThat(read.read("h").values()).containsExactly(1f, -2f, 65504f, (float) Math.pow(2, -24),
                    Float.POSITIVE_INFINITY, 0f);
        }
    }

    @Test
    void namesTheTensorOfAnUnsupportedDtype() throws IOException {
        Path file = raw("odd.safetensors", "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new short[] {0});
        assertThatThrownBy(() -> Safetensors.open(file)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("tensor q").hasMessageContaining("F8_E4M3");
    }

    @Test
    void rejectsATruncatedFileBeforeReadingAnyTensor() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, List.of(A, B), DType.F32, Map.of());
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = Files.write(dir.resolve("truncated.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 4));
        assertThatThrownBy(() -> Safetensors.open(truncated)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("b.bias").hasMessageContaining("truncated");
        Path stub = Files.write(dir.resolve("stub.safetensors"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Safetensors.open(stub)).hasMessageContaining("truncated");
    }

    @Test
    void rejectsAShapeThatDoesNotMatchTheBytes() throws IOException {
        Path file = raw("shape.safetensors", "{\"w\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", new short[] {0, 0});
        assertThatThrownBy(() -> Safetensors.open(file)).hasMessageContaining("tensor w").hasMessageContaining("shape [3]");
    }

    @Test
    void readsShardedCheckpointsThroughTheIndex() throws IOException {
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), List.of(A), DType.F32, Map.of());
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), List.of(B), DType.BF16, Map.of());
        Files.writeString(dir.resolve(CheckpointFiles.INDEX), "{\"metadata\": {}, \"weight_map\": {"
                + "\"a.weight\": \"model-00001-of-00002.safetensors\", \"b.bias\": \"model-00002-of-00002.safetensors\"}}");
        try (CheckpointFiles files = CheckpointFiles.open(dir)) {
            assertThat(files.names()).containsExactlyInAnyOrder("a.weight", "b.bias");
            assertThat(files.read("a.weight", 2, 3)).isEqualTo(A);
            assertThat(files.read("b.bias").values()).containsExactly(0.5f, 65536f); // 65504 in BF16
            assertThatThrownBy(() -> files.read("a.weight", 3, 2)).hasMessageContaining("a.weight")
                    .hasMessageContaining("shape [2, 3]");
            assertThatThrownBy(() -> files.read("c.weight")).hasMessageContaining("missing tensor c.weight");
        }
    }

    @Test
    void refusesAnIndexThatPointsOutsideItsDirectory() throws IOException {
        Path outside = dir.resolve("outside.safetensors");
        SafetensorsWriter.write(outside, List.of(A), DType.F32, Map.of());
        Path checkpoint = Files.createDirectories(dir.resolve("checkpoint"));
        Files.writeString(checkpoint.resolve(CheckpointFiles.INDEX),
                "{\"metadata\": {}, \"weight_map\": {\"a.weight\": \"../outside.safetensors\"}}");
        assertThatThrownBy(() -> CheckpointFiles.open(checkpoint)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("weight_map").hasMessageContaining("not a .safetensors file of this directory");
    }

    @Test
    void saysWhichFileIsMissing() {
        assertThatThrownBy(() -> CheckpointFiles.open(dir)).hasMessageContaining("model.safetensors");
    }

    private Path raw(String name, String header, short[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        for (short value : data) {
            buffer.putShort(value);
        }
        return Files.write(dir.resolve(name), buffer.array());
    }
}
