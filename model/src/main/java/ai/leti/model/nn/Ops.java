package ai.leti.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * The tensor operations the model families are built from, written once on DJL's NDArray so each family
 * reads like its Hugging Face modeling code. Results belong to their first operand's manager, so callers
 * pass activations first and keep a sub-manager per step.
 */
public final class Ops {

    /** Added to attention scores where a key must not be seen; finite, so a fully masked row is not NaN. */
    public static final float MASKED = -1e9f;

    private Ops() {
    }

    /** {@code x W^T + b} with W in the PyTorch {@code [out, in]} layout; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /** Rows of {@code table} picked by integer {@code indices}: token or position embeddings. */
    public static NDArray embedding(NDArray indices, NDArray table) {
        return indices.getNDArrayInternal().embedding(indices, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * A number as an engine-owned 0-d tensor of {@code like}'s dtype, in its manager. Every op whose backward pass
     * keeps a scalar operand must take one of these, never a Java {@code Number}: DJL's {@code mul(Number)},
     * {@code div(Number)} and {@code pow(Number)} wrap the number in a tensor over a direct buffer of Java memory
     * and close it as soon as the op returns, while autograd keeps that tensor for the backward pass; once a
     * collection frees the buffer, the backward pass reads freed memory (the rare NaN gradient steps, and silently
     * wrong gradients when the memory held a finite value). {@code ScalarLifetimeIT} shows both.
     */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** {@code x * value}, safe for the backward pass (see {@link #scalar}). */
    public static NDArray mul(NDArray x, double value) {
        return x.mul(scalar(x, value));
    }

    /** {@code x / value}, safe for the backward pass (see {@link #scalar}). */
    public static NDArray div(NDArray x, double value) {
        return x.div(scalar(x, value));
    }

    /** {@code x ^ exponent}, safe for the backward pass (see {@link #scalar}). */
    public static NDArray pow(NDArray x, double exponent) {
        return x.pow(scalar(x, exponent));
    }

    /** RMSNorm as Llama computes it: {@code x / sqrt(mean(x^2) + eps) * weight}, over the last axis. */
    public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.mul(pow(variance.add(eps), -0.5)).mul(weight);
    }

    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(x.getShape().getLastDimension()), weight, bias, (float) eps)
                .singletonOrThrow();
    }

    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /** GPT-2's {@code gelu_new}: the tanh approximation of GELU. */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = mul(x.add(mul(x.mul(x).mul(x), 0.044715)), Math.sqrt(2.0 / Math.PI));
        return mul(x.mul(inner.tanh().add(1)), 0.5);
    }

    /** Rotary embedding tables {@code [positions, headDim]} in Hugging Face's rotate-half layout. */
    public static NDArray[] rotaryTables(NDManager manager, int positions, int headDim, double theta) {
        int half = headDim / 2;
        float[] cos = new float[positions * headDim];
        float[] sin = new float[positions * headDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                // computed like HF: inv_freq in float32, then position * inv_freq in float32
                float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
                float angle = p * invFreq;
                cos[p * headDim + i] = (float) Math.cos(angle);
                cos[p * headDim + i + half] = (float) Math.cos(angle);
                sin[p * headDim + i] = (float) Math.sin(angle);
                sin[p * headDim + i + half] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {manager.create(cos, new Shape(positions, headDim)),
            manager.create(sin, new Shape(positions, headDim))};
    }

    /** {@code x * cos + rotate_half(x) * sin}; x is {@code [batch, heads, seq, headDim]}, cos/sin {@code [batch, 1, seq, headDim]}. */
    public static NDArray rotary(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().getLastDimension() / 2;
        NDArray first = x.get("..., :{}", half);
        NDArray second = x.get("..., {}:", half);
        NDArray rotated = second.neg().concat(first, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Scaled dot-product attention. q is {@code [b, heads, s, d]}, k and v {@code [b, kvHeads, t, d]}; key/value
     * heads are shared by groups of query heads. {@code bias} is added to the scores ({@code [b or 1, 1, s, t]}).
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias) {
        return scaledAttention(div(q, Math.sqrt(q.getShape().getLastDimension())), k, v, bias);
    }

    /** {@link #attention} for queries already multiplied by {@code 1/sqrt(d)}. */
    public static NDArray scaledAttention(NDArray q, NDArray k, NDArray v, NDArray bias) {
        long heads = q.getShape().get(1);
        long kvHeads = k.getShape().get(1);
        if (heads != kvHeads) {
            long groups = heads / kvHeads;
            Shape shape = k.getShape();
            k = k.expandDims(2).repeat(2, groups).reshape(shape.get(0), heads, shape.get(2), shape.get(3));
            v = v.expandDims(2).repeat(2, groups).reshape(shape.get(0), heads, shape.get(2), shape.get(3));
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (bias != null) {
            scores = scores.add(bias);
        }
        return scores.softmax(-1).matMul(v);
    }

    /**
     * The additive causal bias for {@code seq} new positions after {@code past} cached ones, optionally also
     * masking keys where {@code keyMask} ({@code [batch, past + seq]}, 1 = real token) is 0.
     */
    public static NDArray causalBias(NDManager manager, int past, int seq, NDArray keyMask) {
        int total = past + seq;
        float[] values = new float[seq * total];
        for (int i = 0; i < seq; i++) {
            for (int j = past + i + 1; j < total; j++) {
                values[i * total + j] = MASKED;
            }
        }
        NDArray causal = manager.create(values, new Shape(1, 1, seq, total));
        if (keyMask == null) {
            return causal;
        }
        long batch = keyMask.getShape().get(0);
        NDArray padding = keyMask.toType(DataType.FLOAT32, false).neg().add(1).mul(MASKED)
                .reshape(batch, 1, 1, total);
        return causal.add(padding);
    }

    /**
     * The attention bias a forward pass uses: the caller's, or else plain causal masking for the {@code seq > 1}
     * new positions of {@code tokens} after what {@code cache} already holds (one new token needs no mask).
     */
    public static NDArray biasOrCausal(NDArray bias, NDArray tokens, KvCache cache) {
        long seq = tokens.getShape().get(1);
        if (bias != null || seq == 1) {
            return bias;
        }
        return causalBias(tokens.getManager(), cache == null ? 0 : cache.length(), (int) seq, null);
    }

    /**
     * Mean causal-LM cross-entropy: position t predicts token t+1, counted where {@code mask} (1 = real token)
     * marks the target real. {@code logits} {@code [b, s, vocab]}, {@code tokens} and {@code mask} {@code [b, s]}.
     */
    public static NDArray causalLmLoss(NDArray logits, NDArray tokens, NDArray mask) {
        NDArray predictions = logits.get(":, :-1, :").logSoftmax(-1);
        NDArray targets = tokens.get(":, 1:").toType(DataType.INT64, false);
        NDArray weights = mask.get(":, 1:").toType(DataType.FLOAT32, false);
        NDArray picked = predictions.gather(targets.expandDims(-1), -1).squeeze(-1);
        return picked.mul(weights).sum().neg().div(weights.sum().maximum(1));
    }

}
