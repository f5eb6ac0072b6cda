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

    private TransformerWeights() {
    }

    /** Reads every expected weight, checking shapes; a missing or mis-shaped tensor fails before any work. */
    public static TransformerWeights load(List<WeightSpec> specs, Path directory, NDManager manager, DataType dtype) {
        TransformerWeights weights = new TransformerWeights();
        try (CheckpointFiles files = CheckpointFiles.open(directory)) {
            for (WeightSpec spec : specs) {
                Tensor tensor = files.read(spec.name(), spec.shape());
                weights.arrays.put(spec.name(), create(manager, tensor.values(), spec.shape(), dtype));
            }
        }
        return weights;
    }

    /** Fresh weights from a seed, the same on every machine (java.util.Random, not the engine's generator). */
    public static TransformerWeights random(List<WeightSpec> specs, NDManager manager, DataType dtype, long seed) {
        TransformerWeights weights = new TransformerWeights();
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

    /** Writes config.json and model.safetensors (F32) so transformers and this project can load them. */
    public void save(ModelConfig config, Path directory) {
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : arrays.entrySet()) {
            NDArray array = entry.getValue().getDataType() == DataType.FLOAT32 ? entry.getValue()
                    : entry.getValue().toType(DataType.FLOAT32, false);
            tensors.add(new Tensor(entry.getKey(), array.getShape().getShape(), array.toFloatArray()));
        }
        config.write(directory);
        Safetensors.write(directory.resolve(CheckpointFiles.SINGLE), tensors, DType.F32, Map.of("format", "pt"));
    }
}
