package ai.leti.model.weights;

/** The safetensors dtypes this project reads; floating ones convert to float32. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named in a safetensors header; the error names the tensor and the field. */
    static DType parse(String name, String tensor) {
        try {
            return DType.valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new WeightsException("tensor " + tensor + ": unsupported dtype " + name);
        }
    }
}
