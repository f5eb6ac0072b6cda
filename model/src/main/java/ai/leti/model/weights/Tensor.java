package ai.leti.model.weights;

import java.util.Arrays;

/** A named float32 tensor in row-major order: what checkpoints are read into and written from. */
public record Tensor(String name, long[] shape, float[] values) {

    public Tensor {
        long count = 1;
        for (long dimension : shape) {
            count *= dimension;
        }
        if (count != values.length) {
            throw new WeightsException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + count
                    + " values, got " + values.length);
        }
        shape = shape.clone();
    }

    public long size() {
        return values.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor tensor && name.equals(tensor.name) && Arrays.equals(shape, tensor.shape)
                && Arrays.equals(values, tensor.values);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
