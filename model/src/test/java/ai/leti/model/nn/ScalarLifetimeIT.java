package ai.leti.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

/**
 * The NaN gradient's root cause, shown and guarded. DJL's {@code div(Number)} (likewise {@code mul}, {@code pow})
 * wraps the number in a tensor over a direct buffer of Java memory and closes it when the op returns; autograd
 * keeps that tensor for the backward pass. A collection between forward and backward frees the buffer, and the
 * backward pass reads freed memory: an infinite, NaN or silently wrong gradient. {@link Ops#div} and friends use
 * engine-owned scalars and stay right under the same pressure.
 */
class ScalarLifetimeIT {

    private static final int TRIALS = 20;

    /** Gradient of sum(op(x)) at x = [1, 2, 3, 4] after a collection and reuse of freed direct memory. */
    private static int wrongGradients(UnaryOperator<NDArray> op, float expected) throws InterruptedException {
        int wrong = 0;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int trial = 0; trial < TRIALS; trial++) {
                NDArray x = manager.create(new float[] {1, 2, 3, 4});
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = op.apply(x).sum();
                    // what a busy JVM does between a forward and a backward pass: a collection, new direct buffers
                    System.gc();
                    Thread.sleep(30);
                    List<ByteBuffer> reuse = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        reuse.add(ByteBuffer.allocateDirect(4).putInt(0, 0x7fc00000));
                    }
                    collector.backward(loss);
                    if (x.getGradient().toFloatArray()[0] != expected) {
                        wrong++;
                    }
                    reuse.clear();
                }
            }
        }
        return wrong;
    }

    @Test
    void scalarOperandsSurviveACollectionBeforeTheBackwardPass() throws Exception {
        assertThat(wrongGradients(x -> Ops.div(x, 2), 0.5f)).as("Ops.div").isZero();
        assertThat(wrongGradients(x -> Ops.mul(x, 3), 3f)).as("Ops.mul").isZero();
        assertThat(wrongGradients(x -> Ops.pow(x, 2), 2f)).as("Ops.pow: d(x^2)/dx at 1").isZero();
        int raw = wrongGradients(x -> x.div(2.0), 0.5f);
        System.out.printf("DJL's div(Number) under the same pressure: %d of %d gradients wrong%n", raw, TRIALS);
        assertThat(raw).as("DJL's own div(Number) still loses its operand (if this fails, DJL fixed it and Ops.scalar"
                + " is no longer needed)").isPositive();
    }
}
