package ai.leti.model.nn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.ModelConfig;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.Safetensors;
import ai.leti.model.weights.Tensor;

/** A family's weights by Hugging Face name: loaded from a checkpoint, initialised fresh, or saved. */
public final class TransformerWeights {

    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final List<WeightSpec> specs;

    private TransformerWeights(List<WeightSpec> specs) {
        this.specs = specs;
    }

    /** Reads every expected weight, checking shapes; a missing or mis-shaped tensor fails before any work. */
    public static TransformerWeights load(List<WeightSpec> specs, Path directory, NDManager manager, DataType dtype) {
        TransformerWeights weights = new TransformerWeights(specs);
        try (CheckpointFiles files = CheckpointFiles.open(directory)) {
            for (WeightSpec spec : specs) {
                float[] values;
                if (!spec.parts().isEmpty()) {
                    // Stacking along the first axis of row-major data is concatenating the parts' values.
                    values = new float[Math.toIntExact(new Shape(spec.shape()).size())];
                    int offset = 0;
                    for (WeightSpec.Part part : spec.parts()) {
                        float[] partValues = files.read(part.name(), spec.shapeOf(part)).values();
                        System.arraycopy(partValues, 0, values, offset, partValues.length);
                        offset += partValues.length;
                    }
                } else if (spec.vocabularyRows()) {
                    values = grown(files.read(spec.name()), spec, directory).values();
                } else {
                    values = files.read(spec.name(), spec.shape()).values();
                }
                weights.arrays.put(spec.name(), create(manager, values, spec.shape(), dtype));
            }
        }
        return weights;
    }

    /**
     * A vocabulary matrix (or an output bias) with rows added for tokens beyond the checkpoint's vocabulary (LETI's
     * special tokens), each initialised to the mean of the existing rows, so a new token starts as an "average" token.
     */
    private static Tensor grown(Tensor tensor, WeightSpec spec, Path directory) {
        long[] have = tensor.shape();
        long[] want = spec.shape();
        boolean sameWidth = have.length == want.length && (have.length == 1 || have.length == 2 && have[1] == want[1]);
        if (!sameWidth || have[0] > want[0]) {
            throw new ai.leti.model.weights.WeightsException(directory + ": tensor " + spec.name() + " has shape "
                    + java.util.Arrays.toString(have) + ", expected " + java.util.Arrays.toString(want));
        }
        if (have[0] == want[0]) {
            return tensor;
        }
        int rows = (int) have[0];
        int width = have.length == 2 ? (int) have[1] : 1;
        float[] values = java.util.Arrays.copyOf(tensor.values(), (int) (want[0] * width));
        float[] mean = new float[width];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                mean[c] += values[r * width + c] / rows;
            }
        }
        for (int r = rows; r < want[0]; r++) {
            System.arraycopy(mean, 0, values, r * width, width);
        }
        return new Tensor(spec.name(), want, values);
    }

    /** Fresh weights from a seed, the same on every machine (java.util.Random, not the engine's generator). */
    public static TransformerWeights random(List<WeightSpec> specs, NDManager manager, DataType dtype, long seed) {
        TransformerWeights weights = new TransformerWeights(specs);
        Random random = new Random(seed);
        for (WeightSpec spec : specs) {
            long count = new Shape(spec.shape()).size();
            float[] values = new float[Math.toIntExact(count)];
            switch (spec.init()) {
                case NORMAL -> {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * 0.02);
                    }
                }
                case ONES -> java.util.Arrays.fill(values, 1f);
                case ZEROS -> { }
            }
            weights.arrays.put(spec.name(), create(manager, values, spec.shape(), dtype));
        }
        return weights;
    }

    private static NDArray create(NDManager manager, float[] values, long[] shape, DataType dtype) {
        NDArray array = manager.create(values, new Shape(shape));
        return dtype == DataType.FLOAT32 ? array : array.toType(dtype, false);
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

    /** Writes config.json and model.safetensors (F32, Hugging Face names) so transformers and this project can load them. */
    public void save(ModelConfig config, Path directory) {
        List<Tensor> tensors = new ArrayList<>();
        for (WeightSpec spec : specs) {
            NDArray array = arrays.get(spec.name());
            float[] values = array.getDataType() == DataType.FLOAT32 ? array.toFloatArray()
                    : array.toType(DataType.FLOAT32, false).toFloatArray();
            if (spec.parts().isEmpty()) {
                tensors.add(new Tensor(spec.name(), array.getShape().getShape(), values));
                continue;
            }
            int offset = 0;
            for (WeightSpec.Part part : spec.parts()) {
                long[] shape = spec.shapeOf(part);
                int size = Math.toIntExact(new Shape(shape).size());
                tensors.add(new Tensor(part.name(), shape, java.util.Arrays.copyOfRange(values, offset, offset + size)));
                offset += size;
            }
        }
        config.write(directory);
        Safetensors.write(directory.resolve(CheckpointFiles.SINGLE), tensors, DType.F32, Map.of("format", "pt"));
    }
}
