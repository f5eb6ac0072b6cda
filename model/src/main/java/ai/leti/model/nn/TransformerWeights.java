package ai.leti.model.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.ModelConfig;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.SafetensorsWriter;
import ai.leti.model.weights.WeightsException;

/**
 * A family's weights by Hugging Face name: loaded from a checkpoint, initialised fresh, or saved.
 * <p>
 * Memory: each weight is allocated once by the engine in the compute dtype and filled in place, a block of rows
 * at a time, through a view of its own memory, from the checkpoint file read a few megabytes at a time (converted
 * on the way).
 * Loading therefore holds one copy of the model plus one block in flight, never a Java-heap copy; saving streams
 * the same views out. On an accelerator, each weight is filled on the CPU and moved, one weight in flight.
 */
public final class TransformerWeights {

    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final List<WeightSpec> specs;
    private final DType storedDtype;

    private TransformerWeights(List<WeightSpec> specs, DType storedDtype) {
        this.specs = specs;
        this.storedDtype = storedDtype;
    }

    /** Reads every expected weight, checking shapes; a missing or mis-shaped tensor fails before any work. */
    public static TransformerWeights load(List<WeightSpec> specs, Path directory, NDManager manager, DataType dtype) {
        DType held = DType.of(dtype);
        try (CheckpointFiles files = CheckpointFiles.open(directory)) {
            // every name and shape first: a bad checkpoint fails in milliseconds
            Map<String, List<WeightSpec.Part>> sources = new LinkedHashMap<>();
            specs.forEach(spec -> sources.put(spec.name(), sources(spec, files, directory)));
            TransformerWeights weights = new TransformerWeights(specs, files.storedDtype());
            try {
                for (WeightSpec spec : specs) {
                    weights.arrays.put(spec.name(), ArrayBytes.filled(manager, spec.shape(), held, cpu -> {
                        long row = 0;
                        for (WeightSpec.Part part : sources.get(spec.name())) {
                            ArrayBytes.fillRows(cpu, row, part.rows(), (first, view) ->
                                    files.readInto(part.name(), first, view, held));
                            row += part.rows();
                        }
                        if (row < spec.shape()[0]) {
                            meanRows(cpu, row);
                        }
                    }));
                }
                return weights;
            } catch (RuntimeException e) {
                weights.arrays.values().forEach(NDArray::close);
                throw e;
            }
        }
    }

    /**
     * The checkpoint tensors a weight is read from, each a block of its rows, checked against config.json: a fused
     * weight's parts stacked along the first axis, else the tensor itself (a vocabulary matrix with the rows the
     * checkpoint has; rows beyond them are added).
     */
    private static List<WeightSpec.Part> sources(WeightSpec spec, CheckpointFiles files, Path directory) {
        if (!spec.parts().isEmpty()) {
            spec.parts().forEach(part -> files.shape(part.name(), spec.shapeOf(part)));
            return spec.parts();
        }
        long rows = spec.vocabularyRows() ? grownRows(files.shape(spec.name()), spec, directory)
                : files.shape(spec.name(), spec.shape())[0];
        return List.of(new WeightSpec.Part(spec.name(), rows));
    }

    /**
     * The rows a checkpoint's vocabulary matrix (or output bias) holds: at most the model's, the width equal
     * (tokens beyond the checkpoint's vocabulary, LETI's special tokens, get rows added).
     */
    private static long grownRows(long[] have, WeightSpec spec, Path directory) {
        long[] want = spec.shape();
        boolean sameWidth = have.length == want.length && (have.length == 1 || have.length == 2 && have[1] == want[1]);
        if (!sameWidth || have[0] > want[0]) {
            throw new WeightsException(directory + ": tensor " + spec.name() + " has shape "
                    + java.util.Arrays.toString(have) + ", expected " + java.util.Arrays.toString(want));
        }
        return have[0];
    }

    /** Rows from {@code rows} on become the mean of the rows before: a new token starts as an "average" token. */
    private static void meanRows(NDArray array, long rows) {
        try (NDArray existing = array.get(new NDIndex(":{}", rows)); NDArray mean = existing.mean(new int[] {0})) {
            array.set(new NDIndex("{}:", rows), mean);
        }
    }

    /** Fresh weights from a seed, the same on every machine (java.util.Random, not the engine's generator). */
    public static TransformerWeights random(List<WeightSpec> specs, NDManager manager, DataType dtype, long seed) {
        DType held = DType.of(dtype);
        TransformerWeights weights = new TransformerWeights(specs, held);
        Random random = new Random(seed);
        for (WeightSpec spec : specs) {
            weights.arrays.put(spec.name(), ArrayBytes.filled(manager, spec.shape(), held, cpu ->
                    ArrayBytes.fillRows(cpu, 0, spec.shape()[0], (first, view) -> {
                        int count = view.remaining() / held.bytes();
                        ByteBuffer out = view.slice().order(ByteOrder.LITTLE_ENDIAN);
                        for (int i = 0; i < count; i++) {
                            float value = switch (spec.init()) {
                                case NORMAL -> (float) (random.nextGaussian() * 0.02);
                                case ONES -> 1f;
                                case ZEROS -> 0f;
                            };
                            held.put(out, i, value);
                        }
                    })));
        }
        return weights;
    }

    public NDArray get(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no weight " + name);
        }
        return array;
    }

    public Map<String, NDArray> all() {
        return Collections.unmodifiableMap(arrays);
    }

    /** The dtype the checkpoint stored most weights in (the compute dtype for fresh weights). */
    public DType storedDtype() {
        return storedDtype;
    }

    /**
     * Writes config.json and the weights (Hugging Face names, fused weights split back into their parts) in
     * {@code dtype}, sharded as {@code save_pretrained} shards, so transformers and this project can load them.
     */
    public void save(ModelConfig config, Path directory, DType dtype, long maxShardBytes) {
        List<SafetensorsWriter.Outgoing> tensors = new ArrayList<>();
        for (WeightSpec spec : specs) {
            NDArray array = arrays.get(spec.name());
            if (spec.parts().isEmpty()) {
                tensors.add(ArrayBytes.outgoing(spec.name(), array));
                continue;
            }
            DType held = DType.of(array.getDataType());
            long row = 0;
            for (WeightSpec.Part part : spec.parts()) {
                long from = row;
                tensors.add(new SafetensorsWriter.Outgoing(part.name(), spec.shapeOf(part), held,
                        sink -> ArrayBytes.rowBlocks(array, from, part.rows(), sink)));
                row += part.rows();
            }
        }
        config.write(directory, dtype);
        CheckpointFiles.write(directory, tensors, dtype, maxShardBytes);
    }
}
