package ai.leti.model.llama;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.Decoder;
import ai.leti.model.ModelConfig;
import ai.leti.model.nn.Bf16Decoder;
import ai.leti.model.nn.Bf16Kernels;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;
import ai.leti.model.nn.Precision;
import ai.leti.model.nn.TransformerWeights;
import ai.leti.model.nn.WeightedModel;
import ai.leti.model.nn.WeightSpec;

/**
 * Llama-style decoders (Llama, Qwen2, Mistral): RMSNorm, rotary positions, grouped-query attention,
 * SwiGLU; Qwen2's q/k/v biases. Follows Hugging Face's {@code modeling_llama}; checkpoints use its weight
 * names, while q/k/v and gate/up are held fused in memory (see {@link #specs}).
 */
public final class LlamaModel extends WeightedModel {

    private final NDArray cosTable;
    private final NDArray sinTable;

    private LlamaModel(ModelConfig config, NDManager manager, TransformerWeights weights) {
        super(config, manager, weights);
        NDArray[] tables = Ops.rotaryTables(manager, config.maxPositions(), config.headDim(), config.ropeTheta());
        DataType dtype = weights.get("model.embed_tokens.weight").getDataType();
        this.cosTable = tables[0].toType(dtype, false);
        this.sinTable = tables[1].toType(dtype, false);
    }

    public static LlamaModel load(ModelConfig config, Path directory, NDManager manager, DataType dtype) {
        return new LlamaModel(config, manager, TransformerWeights.load(specs(config), directory, manager, dtype));
    }

    public static LlamaModel random(ModelConfig config, NDManager manager, DataType dtype, long seed) {
        return new LlamaModel(config, manager, TransformerWeights.random(specs(config), manager, dtype, seed));
    }

    /** Every weight with its Hugging Face name and the shape config.json implies. */
    public static List<WeightSpec> specs(ModelConfig c) {
        long h = c.hidden();
        long kv = (long) c.kvHeads() * c.headDim();
        List<WeightSpec> specs = new ArrayList<>();
        specs.add(WeightSpec.vocabulary("model.embed_tokens.weight", c.vocabSize(), h));
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            specs.add(WeightSpec.ones(p + "input_layernorm.weight", h));
            // q, k and v in one matrix and gate and up in another: one matmul each instead of three and two
            specs.add(WeightSpec.fused(a + "qkv_proj.weight", WeightSpec.Init.NORMAL, new long[] {h + 2 * kv, h},
                    new WeightSpec.Part(a + "q_proj.weight", h), new WeightSpec.Part(a + "k_proj.weight", kv),
                    new WeightSpec.Part(a + "v_proj.weight", kv)));
            if (c.qkvBias()) {
                specs.add(WeightSpec.fused(a + "qkv_proj.bias", WeightSpec.Init.ZEROS, new long[] {h + 2 * kv},
                        new WeightSpec.Part(a + "q_proj.bias", h), new WeightSpec.Part(a + "k_proj.bias", kv),
                        new WeightSpec.Part(a + "v_proj.bias", kv)));
            }
            specs.add(WeightSpec.normal(a + "o_proj.weight", h, h));
            specs.add(WeightSpec.ones(p + "post_attention_layernorm.weight", h));
            specs.add(WeightSpec.fused(p + "mlp.gate_up_proj.weight", WeightSpec.Init.NORMAL,
                    new long[] {2L * c.intermediate(), h}, new WeightSpec.Part(p + "mlp.gate_proj.weight", c.intermediate()),
                    new WeightSpec.Part(p + "mlp.up_proj.weight", c.intermediate())));
            specs.add(WeightSpec.normal(p + "mlp.down_proj.weight", h, c.intermediate()));
        }
        specs.add(WeightSpec.ones("model.norm.weight", h));
        if (!c.tieEmbeddings()) {
            specs.add(WeightSpec.vocabulary("lm_head.weight", c.vocabSize(), h));
        }
        return specs;
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
        Shape shape = tokens.getShape();
        long batch = shape.get(0);
        long seq = shape.get(1);
        int heads = config.heads();
        int kvHeads = config.kvHeads();
        int headDim = config.headDim();
        NDArray cos = Ops.embedding(positions, cosTable).expandDims(1);
        NDArray sin = Ops.embedding(positions, sinTable).expandDims(1);
        bias = Ops.biasOrCausal(bias, tokens, cache);
        // BF16: blocks run as bfloat16 kernels; the attention kernel keeps no KV cache, so generation attends in float32
        boolean bf16 = Precision.current() == Precision.BF16;
        NDArray x = Ops.embedding(tokens, weights.get("model.embed_tokens.weight"));
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            NDArray h = Ops.rmsNorm(x, weights.get(p + "input_layernorm.weight"), config.normEps());
            if (bf16 && cache == null) {
                x = x.add(Bf16Kernels.get().attention(h, weights.get(p + "self_attn.qkv_proj.weight"),
                        config.qkvBias() ? weights.get(p + "self_attn.qkv_proj.bias") : zeroBias(x, heads + 2 * kvHeads, headDim),
                        weights.get(p + "self_attn.o_proj.weight"), cos, sin, biasOrZero(bias, x, seq), heads, kvHeads));
                h = Ops.rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"), config.normEps());
                x = x.add(Bf16Kernels.get().swiglu(h, weights.get(p + "mlp.gate_up_proj.weight"),
                        weights.get(p + "mlp.down_proj.weight")));
                continue;
            }
            NDArray qkv = Ops.linear(h, weights.get(p + "self_attn.qkv_proj.weight"),
                    config.qkvBias() ? weights.get(p + "self_attn.qkv_proj.bias") : null);
            long queryWidth = (long) heads * headDim;
            long keyWidth = (long) kvHeads * headDim;
            // q and k get their rotary embedding in one pass: heads stacked, then split again
            NDArray qk = qkv.get("..., :{}", queryWidth + keyWidth).reshape(batch, seq, heads + kvHeads, headDim)
                    .transpose(0, 2, 1, 3);
            qk = Ops.rotary(qk, cos, sin);
            NDArray q = qk.get(":, :{}", heads);
            NDArray k = qk.get(":, {}:", heads);
            NDArray v = qkv.get("..., {}:", queryWidth + keyWidth).reshape(batch, seq, kvHeads, headDim).transpose(0, 2, 1, 3);
            if (cache != null) {
                NDArray[] past = cache.append(i, k, v);
                k = past[0];
                v = past[1];
            }
            NDArray attended = Ops.attention(q, k, v, bias).transpose(0, 2, 1, 3).reshape(batch, seq, config.hidden());
            x = x.add(Ops.linear(attended, weights.get(p + "self_attn.o_proj.weight"), null));
            h = Ops.rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"), config.normEps());
            if (bf16) {
                x = x.add(Bf16Kernels.get().swiglu(h, weights.get(p + "mlp.gate_up_proj.weight"),
                        weights.get(p + "mlp.down_proj.weight")));
                continue;
            }
            NDArray gateUp = Ops.linear(h, weights.get(p + "mlp.gate_up_proj.weight"), null);
            long intermediate = config.intermediate();
            NDArray gate = Ops.silu(gateUp.get("..., :{}", intermediate));
            x = x.add(Ops.linear(gate.mul(gateUp.get("..., {}:", intermediate)), weights.get(p + "mlp.down_proj.weight"), null));
        }
        if (cache != null) {
            cache.advance((int) seq);
        }
        x = Ops.rmsNorm(x, weights.get("model.norm.weight"), config.normEps());
        NDArray head = config.tieEmbeddings() ? weights.get("model.embed_tokens.weight") : weights.get("lm_head.weight");
        return Ops.linear(x, head, null);
    }

    /** The q/k/v bias for the BF16 attention kernel where the model has none (its argument is not optional). */
    private static NDArray zeroBias(NDArray like, int heads, int headDim) {
        return like.getManager().zeros(new Shape((long) heads * headDim));
    }

    /** The additive attention bias, or zeros where no mask is needed (one new position). */
    private static NDArray biasOrZero(NDArray bias, NDArray like, long seq) {
        return bias != null ? bias : like.getManager().zeros(new Shape(1, 1, seq, seq));
    }

    /**
     * The folded decoder ({@link LlamaDecoder}) where its copy of the weights is cheap; past
     * {@value #FOLDED_DECODER_BYTES} bytes of weights, the plain forward pass. The folding saves a fixed cost per
     * op, which is what decides a small model's speed; a large one's is its matmuls, and a second copy of its weights
     * would cost gigabytes for nothing. In a {@link Precision#BF16} scope, {@link Bf16Decoder} on Llama's decode kernel (whatever the size:
     * its copy is bfloat16, built a layer at a time), with the plain forward pass for passes without a KV cache.
     */
    @Override
    public Decoder decoder(NDManager manager) {
        Decoder plain = CausalLm.lastPosition(this);
        if (Precision.current() == Precision.BF16) {
            return new Bf16Decoder(Bf16Kernels.Decode.LLAMA, config.layers(),
                    (part, into) -> part < config.layers() ? LlamaDecoder.foldLayer(config, weights, part, into)
                            : new NDArray[] {LlamaDecoder.foldHead(config, weights, into)},
                    weights.get("model.embed_tokens.weight"), cosTable, sinTable, config.heads(), config.kvHeads(),
                    config.normEps(), manager, plain);
        }
        long bytes = weights.all().values().stream().mapToLong(array -> array.size() * array.getDataType().getNumOfBytes()).sum();
        return bytes > FOLDED_DECODER_BYTES ? plain : new LlamaDecoder(config, weights, cosTable, sinTable, manager);
    }

    /** The largest model whose generation uses a folded copy of its weights. */
    static final long FOLDED_DECODER_BYTES = 256L << 20;
}
