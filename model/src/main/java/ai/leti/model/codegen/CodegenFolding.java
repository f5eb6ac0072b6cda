package ai.leti.model.codegen;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.ModelConfig;
import ai.leti.model.nn.TransformerWeights;

/**
 * CodeGen's weights derived for its BF16 decode kernel ({@code CodegenDecodeBf16}), so a generated token costs fewer
 * ops; the maths is the model's, only rounding differs:
 * <ul>
 * <li>{@code qkv_proj}'s rows are taken out of CodeGen's {@code mp_num = 4} blocks into q, k, v in head order, q scaled
 *     by {@code 1/sqrt(d)}, followed by the pair-swapped rows of q and k (zero past {@code rotary_dim}), so with
 *     whole-head rotary tables (cos 1 and sin 0 past {@code rotary_dim}) partial interleaved rotary is
 *     {@code qk*cos + swapped*sin};</li>
 * <li>{@code ln_1}'s gain is folded into the projections that read it ({@code qkv_proj}, {@code fc_in}) and its bias
 *     into their biases ({@code W·beta}); {@code ln_f} likewise into {@code lm_head}.</li>
 * </ul>
 */
final class CodegenFolding {

    private static final String PREFIX = "transformer.";

    private CodegenFolding() {
    }

    /**
     * Layer {@code i}: {@code [projection, its bias, out_proj, fc_in, its bias, fc_out, its bias]}, made in
     * {@code manager}.
     */
    static NDArray[] layer(ModelConfig config, TransformerWeights weights, int i, NDManager manager) {
        int heads = config.heads();
        int headDim = config.headDim();
        long hidden = config.hidden();
        long blockWidth = hidden / ModelConfig.CODEGEN_SHARDS;
        String p = PREFIX + "h." + i + ".";
        NDArray one = manager.create(1f); // results belong to the first operand's manager: keep them out of the model's
        NDArray blocks = one.mul(weights.get(p + "attn.qkv_proj.weight"))
                .reshape(ModelConfig.CODEGEN_SHARDS, 3, blockWidth, hidden);
        NDArray q = blocks.get(":, 0").reshape(hidden, hidden).mul(1.0 / Math.sqrt(headDim));
        NDArray v = blocks.get(":, 1").reshape(hidden, hidden);
        NDArray k = blocks.get(":, 2").reshape(hidden, hidden);
        NDArray rows = concat(q, k, v, swapped(q, heads, headDim, config.rotaryDim()), swapped(k, heads, headDim,
                config.rotaryDim()));
        NDArray gain = weights.get(p + "ln_1.weight");
        NDArray beta = weights.get(p + "ln_1.bias");
        NDArray fcIn = one.mul(weights.get(p + "mlp.fc_in.weight"));
        return new NDArray[] {rows.mul(gain), through(rows, beta), weights.get(p + "attn.out_proj.weight"),
            fcIn.mul(gain), through(fcIn, beta).add(weights.get(p + "mlp.fc_in.bias")), weights.get(p + "mlp.fc_out.weight"),
            weights.get(p + "mlp.fc_out.bias")};
    }

    /** {@code [lm_head with ln_f's gain, lm_head's bias plus ln_f's bias through it]}, made in {@code manager}. */
    static NDArray[] head(TransformerWeights weights, NDManager manager) {
        NDArray output = manager.create(1f).mul(weights.get("lm_head.weight"));
        return new NDArray[] {output.mul(weights.get(PREFIX + "ln_f.weight")),
            through(output, weights.get(PREFIX + "ln_f.bias")).add(weights.get("lm_head.bias"))};
    }

    /**
     * The rotary tables over the whole head: CodeGen's cos and signed sin ({@code [positions, rotaryDim]}) followed
     * by cos 1 and sin 0 for the dimensions rotary leaves alone.
     */
    static NDArray[] wholeHeadTables(NDArray cos, NDArray signedSin, int headDim, NDManager manager) {
        long positions = cos.getShape().get(0);
        long rest = headDim - cos.getShape().get(1);
        if (rest == 0) {
            return new NDArray[] {cos, signedSin};
        }
        Shape tail = new Shape(positions, rest);
        NDArray one = manager.create(1f); // keeps the results in manager, not in the model's
        return new NDArray[] {one.mul(cos).concat(manager.ones(tail), 1), one.mul(signedSin).concat(manager.zeros(tail), 1)};
    }

    /** {@code rows · vector}: a weight {@code [out, in]} applied to {@code [in]}, in {@code rows}' manager. */
    private static NDArray through(NDArray rows, NDArray vector) {
        return rows.mul(vector).sum(new int[] {1});
    }

    /** Rows reordered so the output is each head's first {@code rotaryDim} dimensions swapped in pairs, zero after. */
    private static NDArray swapped(NDArray rows, int heads, int headDim, int rotaryDim) {
        long in = rows.getShape().get(1);
        NDArray perHead = rows.reshape(heads, headDim, in);
        NDArray turned = perHead.get(":, :{}", rotaryDim).reshape(heads, rotaryDim / 2, 2, in).flip(2)
                .reshape(heads, rotaryDim, in);
        if (rotaryDim < headDim) {
            turned = turned.concat(rows.getManager().zeros(new Shape(heads, headDim - rotaryDim, in)), 1);
        }
        return turned.reshape(heads * (long) headDim, in);
    }

    private static NDArray concat(NDArray... arrays) {
        return NDArrays.concat(new NDList(arrays), 0);
    }
}
