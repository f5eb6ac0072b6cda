package ai.leti.model.nn;

/**
 * The compute precision of the ops that support a choice, for the current thread, as {@code torch.autocast} scopes
 * it: weights, optimizer state and the ops' inputs and outputs stay float32; inside a {@code use(BF16)} scope the
 * matmul-heavy blocks that have a BF16 kernel ({@link Bf16Kernels}) compute in bfloat16.
 */
public enum Precision {
    F32,
    BF16;

    private static final ThreadLocal<Precision> CURRENT = ThreadLocal.withInitial(() -> F32);

    public static Precision current() {
        return CURRENT.get();
    }

    /** Runs the ops that support it in {@code precision} until the scope closes; scopes nest. */
    public static Scope use(Precision precision) {
        Precision before = CURRENT.get();
        CURRENT.set(precision);
        return () -> CURRENT.set(before);
    }

    /** A precision scope; closing it restores the one before. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
