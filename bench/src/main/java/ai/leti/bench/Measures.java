package ai.leti.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;

/** What the real-size bench measures a process and a checkpoint by: times, peak memory, files, logits. */
final class Measures {

    private Measures() {
    }

    static double worstDifference(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }

    static void writeLogits(CausalLm model, int[] prompt, Path file) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            long[] tokens = new long[prompt.length];
            long[] positions = new long[prompt.length];
            for (int i = 0; i < prompt.length; i++) {
                tokens[i] = prompt[i];
                positions[i] = i;
            }
            Shape shape = new Shape(1, prompt.length);
            ai.leti.model.nn.GradMode.off();
            float[] logits = model.forward(manager.create(tokens, shape), manager.create(positions, shape), null, null)
                    .get(":, -1, :").toFloatArray();
            ByteBuffer bytes = ByteBuffer.allocate(logits.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(logits);
            Files.write(file, bytes.array());
        }
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** The process's peak resident set size so far (VmHWM). */
    static long peakResident() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    static Map<String, Long> files(Path directory) throws IOException {
        Map<String, Long> sizes = new java.util.TreeMap<>();
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path file : listing.toList()) {
                sizes.put(file.getFileName().toString(), Files.size(file));
            }
        }
        return sizes;
    }

    static double seconds(long startedNanos) {
        return Math.round((System.nanoTime() - startedNanos) / 1e7) / 100.0;
    }
}
