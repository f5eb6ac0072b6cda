package ai.leti.model.weights;

import java.nio.ByteBuffer;

import ai.djl.ndarray.types.DataType;

/**
 * The safetensors dtypes this project reads. Floating ones convert to one another element by element
 * ({@link #get}, {@link #put}); F32, BF16 and F16 are also what weights are held and written in.
 */
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

    /** Whether weights can be held in this dtype and checkpoints written in it. */
    public boolean isWritable() {
        return this == F32 || this == BF16 || this == F16;
    }

    /**
     * The engine's data type for weights held in this dtype. Not BF16: DJL 0.36's PyTorch binding aborts the whole
     * process ({@code terminate called without an active exception}) on any bfloat16 tensor, created or cast,
     * so BF16 checkpoints are held in float32 (exactly: every BF16 value is a float32 value).
     */
    public DataType engineType() {
        return switch (this) {
            case F32 -> DataType.FLOAT32;
            case BF16 -> throw new WeightsException("weights cannot be held as bfloat16: DJL 0.36's PyTorch binding"
                    + " aborts the process on bfloat16 tensors; hold them as float32 (BF16 checkpoints load exactly)");
            case F16 -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("weights are not held as " + this);
        };
    }

    /** The dtype of weights the engine holds as {@code type}. */
    public static DType of(DataType type) {
        return switch (type) {
            case FLOAT32 -> F32;
            case BFLOAT16 -> BF16;
            case FLOAT16 -> F16;
            case FLOAT64 -> F64;
            default -> throw new IllegalArgumentException("weights are not held as " + type);
        };
    }

    /** The name Hugging Face's {@code config.json} gives this dtype in {@code torch_dtype}. */
    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Element {@code index} of a little-endian buffer of this (floating) dtype, as a float. */
    public float get(ByteBuffer bytes, int index) {
        return switch (this) {
            case F32 -> bytes.getFloat(index * 4);
            case BF16 -> Float.intBitsToFloat((bytes.getShort(index * 2) & 0xFFFF) << 16);
            case F16 -> halfToFloat(bytes.getShort(index * 2));
            case F64 -> (float) bytes.getDouble(index * 8);
            default -> throw new IllegalArgumentException(this + " is not floating");
        };
    }

    /** Writes {@code value} as element {@code index} of a little-endian buffer of this (writable) dtype. */
    public void put(ByteBuffer bytes, int index, float value) {
        switch (this) {
            case F32 -> bytes.putFloat(index * 4, value);
            case BF16 -> bytes.putShort(index * 2, floatToBf16(value));
            case F16 -> bytes.putShort(index * 2, floatToHalf(value));
            default -> throw new IllegalArgumentException("cannot write " + this);
        }
    }

    /** IEEE 754 binary16 to binary32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13)); // infinity or NaN
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign); // signed zero
            }
            float value = mantissa / 1024f / 16384f; // subnormal: mantissa * 2^-24
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** float32 to binary16, rounding to nearest even; overflow gives infinity, as PyTorch's conversion does. */
    static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xFF;
        int mantissa = bits & 0x7FFFFF;
        if (exponent == 0xFF) {
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0)); // infinity or NaN
        }
        int unbiased = exponent - 127;
        if (unbiased > 15) {
            return (short) (sign | 0x7C00);
        }
        if (unbiased >= -14) {
            int half = ((unbiased + 15) << 10) | (mantissa >>> 13);
            int rest = mantissa & 0x1FFF;
            if (rest > 0x1000 || rest == 0x1000 && (half & 1) == 1) {
                half++; // may carry into the exponent, up to infinity: still correct
            }
            return (short) (sign | half);
        }
        if (unbiased < -25) {
            return (short) sign;
        }
        // subnormal: the value is mantissa * 2^-24 with the implicit bit made explicit
        int full = mantissa | 0x800000;
        int shift = -unbiased - 14 + 13;
        int half = full >>> shift;
        int rest = full & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || rest == halfway && (half & 1) == 1) {
            half++;
        }
        return (short) (sign | half);
    }

    /** float32 to bfloat16 bits, rounding to nearest even as PyTorch does. */
    static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
            return (short) ((bits >>> 16) | 0x40); // keep NaN a NaN
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
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
