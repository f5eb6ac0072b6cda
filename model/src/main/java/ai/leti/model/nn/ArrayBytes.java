package ai.leti.model.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.SafetensorsWriter;

/**
 * Engine arrays read and written through views of their own memory, a block of rows at a time, so weights and
 * optimizer state move between files and the engine without a second whole copy (and never through the Java
 * heap). On an accelerator, an array is staged on the CPU, one array in flight.
 */
public final class ArrayBytes {

    /** The most bytes of one array handled at a time. */
    private static final long BLOCK_BYTES = 64L << 20;

    private ArrayBytes() {
    }

    /** Fills the elements of one block, {@code first} counted from the start of the rows being filled. */
    @FunctionalInterface
    public interface BlockFiller {
        void fill(long first, ByteBuffer view);
    }

    /** An engine array of the shape and dtype on the manager's device, filled on the CPU by {@code filler}. */
    public static NDArray filled(NDManager manager, long[] shape, DType dtype, Consumer<NDArray> filler) {
        if (manager.getDevice().equals(Device.cpu())) {
            NDArray array = manager.create(new Shape(shape), dtype.engineType());
            try {
                filler.accept(array);
            } catch (RuntimeException e) {
                array.close();
                throw e;
            }
            return array;
        }
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
            NDArray staged = cpu.create(new Shape(shape), dtype.engineType());
            filler.accept(staged);
            NDArray moved = staged.toDevice(manager.getDevice(), false);
            moved.attach(manager);
            return moved;
        }
    }

    /**
     * Fills rows {@code [from, from + rows)} of a CPU array a block at a time, each block a direct view of the
     * array's memory (little-endian, in the array's dtype).
     */
    public static void fillRows(NDArray array, long from, long rows, BlockFiller filler) {
        long rowElements = rowElements(array.getShape());
        long blockRows = blockRows(array, rowElements);
        for (long start = 0; start < rows; start += blockRows) {
            long end = Math.min(rows, start + blockRows);
            try (NDArray view = array.get(new NDIndex("{}:{}", from + start, from + end))) {
                filler.fill(start * rowElements, view.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN));
            }
        }
    }

    /** Rows {@code [from, from + rows)} of an array as little-endian blocks of its memory (copied off a GPU). */
    public static void rowBlocks(NDArray array, long from, long rows, Consumer<ByteBuffer> sink) {
        long blockRows = blockRows(array, rowElements(array.getShape()));
        for (long start = 0; start < rows; start += blockRows) {
            long end = Math.min(rows, start + blockRows);
            try (NDArray view = array.get(new NDIndex("{}:{}", from + start, from + end))) {
                if (view.getDevice().equals(Device.cpu())) {
                    sink.accept(view.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN));
                } else {
                    try (NDArray host = view.toDevice(Device.cpu(), true)) {
                        sink.accept(host.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN));
                    }
                }
            }
        }
    }

    /** A whole array as a tensor to write, in its own dtype (the file's dtype is chosen by the writer). */
    public static SafetensorsWriter.Outgoing outgoing(String name, NDArray array) {
        long[] shape = array.getShape().getShape();
        return new SafetensorsWriter.Outgoing(name, shape, DType.of(array.getDataType()),
                sink -> rowBlocks(array, 0, shape.length == 0 ? 1 : shape[0], sink));
    }

    private static long blockRows(NDArray array, long rowElements) {
        return Math.max(1, BLOCK_BYTES / (rowElements * array.getDataType().getNumOfBytes()));
    }

    private static long rowElements(Shape shape) {
        long elements = 1;
        for (int i = 1; i < shape.dimension(); i++) {
            elements *= shape.get(i);
        }
        return elements;
    }
}
