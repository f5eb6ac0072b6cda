package ai.leti.model.llama;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.Decoder;
import ai.leti.model.ModelConfig;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;
import ai.leti.model.nn.TransformerWeights;

/**
 * Llama's forward pass for generation, on weights derived once per decoder so each token costs fewer
 * operations (what decides sampling speed when every op carries a fixed overhead):
 * <ul>
 * <li>each RMSNorm's weight is folded into the projection that follows it ({@code (x*w) W^T = x (W*w)^T});</li>
 * <li>the attention scale {@code 1/sqrt(d)} is folded into the q rows;</li>
 * <li>the projection also emits {@code rotate_half(q)} and {@code rotate_half(k)} (a signed permutation of the
 *     q and k rows), so the rotary embedding is {@code qk*cos + qkRotated*sin}: three ops instead of seven;</li>
 * <li>for single-token steps the head transposes are plain reshapes.</li>
 * </ul>
 * The maths is the model's; only rounding differs.
 */
final class LlamaDecoder implements Decoder {

    private final ModelConfig config;
    private final NDArray embedding;
    private final NDArray cosTable;
    private final NDArray sinTable;
    private final NDArray head;
    private final List<NDArray[]> layers = new ArrayList<>();

    LlamaDecoder(ModelConfig config, TransformerWeights weights, NDArray cosTable, NDArray sinTable, NDManager manager) {
        this.config = config;
        this.embedding = weights.get("model.embed_tokens.weight");
        this.cosTable = cosTable;
        this.sinTable = sinTable;
        for (int i = 0; i < config.layers(); i++) {
            layers.add(foldLayer(config, weights, i, manager));
        }
        this.head = foldHead(config, weights, manager);
    }

    /**
     * Layer {@code i}'s derived weights, made in {@code manager} (the model's stay untouched):
     * {@code [q/k/v/rotated-q/rotated-k projection, its bias or null, o_proj, gate_up, down_proj]}, with the input
     * norm and {@code 1/sqrt(d)} folded into the projection and the post-attention norm into gate_up.
     */
    static NDArray[] foldLayer(ModelConfig config, TransformerWeights weights, int i, NDManager manager) {
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        long queryRows = (long) heads * headDim;
        long keyRows = (long) kvHeads * headDim;
        double scale = 1.0 / Math.sqrt(headDim);
        // Results belong to their first operand's manager: deriving from "one * weight" keeps every derived
        // array (and every temporary) in the given manager, never in the model's.
        NDArray one = manager.create(1f);
        String p = "model.layers." + i + ".";
        NDArray qkv = one.mul(weights.get(p + "self_attn.qkv_proj.weight")).mul(weights.get(p + "input_layernorm.weight"));
        NDArray q = qkv.get(":{}", queryRows).mul(scale);
        NDArray k = qkv.get("{}:{}", queryRows, queryRows + keyRows);
        NDArray v = qkv.get("{}:", queryRows + keyRows);
        NDArray projection = NDArrays.concat(q, k, v, rotateRows(q, heads, headDim), rotateRows(k, kvHeads, headDim));
        NDArray bias = null;
        if (config.qkvBias()) {
            NDArray b = one.mul(weights.get(p + "self_attn.qkv_proj.bias"));
            NDArray bq = b.get(":{}", queryRows).mul(scale);
            NDArray bk = b.get("{}:{}", queryRows, queryRows + keyRows);
            bias = NDArrays.concat(bq, bk, b.get("{}:", queryRows + keyRows), rotateRows(bq, heads, headDim),
                    rotateRows(bk, kvHeads, headDim));
        }
        NDArray gateUp = one.mul(weights.get(p + "mlp.gate_up_proj.weight"))
                .mul(weights.get(p + "post_attention_layernorm.weight"));
        return new NDArray[] {projection, bias, weights.get(p + "self_attn.o_proj.weight"), gateUp,
            weights.get(p + "mlp.down_proj.weight")};
    }

    /** The output projection with the final norm folded in, made in {@code manager}. */
    static NDArray foldHead(ModelConfig config, TransformerWeights weights, NDManager manager) {
        NDArray output = config.tieEmbeddings() ? weights.get("model.embed_tokens.weight") : weights.get("lm_head.weight");
        return manager.create(1f).mul(output).mul(weights.get("model.norm.weight"));
    }

    /** Rows of a projection reordered so its output is {@code rotate_half} of the original output, per head. */
    private static NDArray rotateRows(NDArray rows, int heads, int headDim) {
        Shape shape = rows.getShape();
        Shape perHead = shape.dimension() == 2 ? new Shape(heads, headDim, shape.get(1)) : new Shape(heads, headDim);
        NDArray split = rows.reshape(perHead);
        int half = headDim / 2;
        NDArray rotated = split.get(":, {}:", half).neg().concat(split.get(":, :{}", half), 1);
        return rotated.reshape(shape);
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray positions, NDArray attentionBias, KvCache cache) {
        Shape shape = tokens.getShape();
        long batch = shape.get(0);
        long seq = shape.get(1);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        long queryWidth = (long) heads * headDim;
        long keyWidth = (long) kvHeads * headDim;
        long qkWidth = queryWidth + keyWidth;
        attentionBias = Ops.biasOrCausal(attentionBias, tokens, cache);
        NDArray cos = Ops.embedding(positions, cosTable).expandDims(2); // [b, s, 1, d]: broadcast over heads
        NDArray sin = Ops.embedding(positions, sinTable).expandDims(2);
        NDArray x = Ops.embedding(tokens, embedding);
        for (int i = 0; i < config.layers(); i++) {
            NDArray[] layer = layers.get(i);
            NDArray out = Ops.linear(normalized(x), layer[0], layer[1]);
            NDArray qk = out.get("..., :{}", qkWidth).reshape(batch, seq, heads + kvHeads, headDim);
            NDArray qkRotated = out.get("..., {}:", qkWidth + keyWidth).reshape(batch, seq, heads + kvHeads, headDim);
            qk = qk.mul(cos).add(qkRotated.mul(sin));
            NDArray v = out.get("..., {}:{}", qkWidth, qkWidth + keyWidth);
            if (seq == 1) {
                qk = qk.reshape(batch, heads + kvHeads, 1, headDim);
                v = v.reshape(batch, kvHeads, 1, headDim);
            } else {
                qk = qk.transpose(0, 2, 1, 3);
                v = v.reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
            }
            NDArray q = qk.get(":, :{}", heads);
            NDArray k = qk.get(":, {}:", heads);
            if (cache != null) {
                NDArray[] past = cache.append(i, k, v);
                k = past[0];
                v = past[1];
            }
            NDArray attended = Ops.scaledAttention(q, k, v, attentionBias);
            attended = seq == 1 ? attended.reshape(batch, 1, queryWidth)
                    : attended.transpose(0, 2, 1, 3).reshape(batch, seq, queryWidth);
            x = x.add(Ops.linear(attended, layer[2], null));
            NDArray gateUp = Ops.linear(normalized(x), layer[3], null);
            long intermediate = config.intermediate();
            NDArray gate = Ops.silu(gateUp.get("..., :{}", intermediate));
            x = x.add(Ops.linear(gate.mul(gateUp.get("..., {}:", intermediate)), layer[4], null));
        }
        if (cache != null) {
            cache.advance((int) seq);
        }
        return Ops.linear(normalized(x.get(":, -1, :")), head, null);
    }

    /** RMSNorm without its weight (folded into the next projection). */
    private NDArray normalized(NDArray x) {
        return x.mul(x.square().mean(new int[] {-1}, true).add(config.normEps()).pow(-0.5));
    }

    /** Concatenation along the first axis. */
    private static final class NDArrays {
        static NDArray concat(NDArray... arrays) {
            return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(arrays), 0);
        }
    }
}
