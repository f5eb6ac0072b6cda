package ai.leti.model.codegen;

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
import ai.leti.model.nn.WeightSpec;
import ai.leti.model.nn.WeightedModel;

/**
 * CodeGen, the LETI paper's model (Salesforce's codegen-350M/2B-mono), following Hugging Face's
 * {@code modeling_codegen}:
 * <ul>
 * <li>each block runs attention and the MLP in parallel on one {@code ln_1} and adds both to the residual;</li>
 * <li>{@code qkv_proj} is fused without biases in {@code mp_num = 4} blocks of rows, each holding its share of
 *     q, then v, then k; a block's q rows are {@code n_head / 4} consecutive heads;</li>
 * <li>rotary positions turn only the first {@code rotary_dim} dimensions of each head, in interleaved pairs
 *     {@code (x[2i], x[2i+1])} (GPT-J's {@code rotate_every_two}), not Llama's halves;</li>
 * <li>the MLP is {@code fc_in}, {@code gelu_new}, {@code fc_out}; the output layer {@code lm_head} is untied and
 *     has a bias.</li>
 * </ul>
 * Weights are held in Hugging Face's layout, so a checkpoint saves back unchanged.
 */
public final class CodegenModel extends WeightedModel {

    private static final String PREFIX = "transformer.";

    /** cos, repeated for each pair: {@code [positions, rotary_dim]}. */
    private final NDArray cosTable;
    /** sin, repeated for each pair and negated on its even member, so a pair swap finishes rotate_every_two. */
    private final NDArray signedSinTable;

    private CodegenModel(ModelConfig config, NDManager manager, TransformerWeights weights) {
        super(config, manager, weights);
        NDArray[] tables = rotaryTables(manager, config.maxPositions(), config.rotaryDim());
        DataType dtype = weights.get(PREFIX + "wte.weight").getDataType();
        this.cosTable = tables[0].toType(dtype, false);
        this.signedSinTable = tables[1].toType(dtype, false);
    }

    public static CodegenModel load(ModelConfig config, Path directory, NDManager manager, DataType dtype) {
        return new CodegenModel(config, manager, TransformerWeights.load(specs(config), directory, manager, dtype));
    }

    public static CodegenModel random(ModelConfig config, NDManager manager, DataType dtype, long seed) {
        return new CodegenModel(config, manager, TransformerWeights.random(specs(config), manager, dtype, seed));
    }

    /** Every weight with its Hugging Face name and the shape config.json implies. */
    public static List<WeightSpec> specs(ModelConfig c) {
        long h = c.hidden();
        List<WeightSpec> specs = new ArrayList<>();
        specs.add(WeightSpec.vocabulary(PREFIX + "wte.weight", c.vocabSize(), h));
        for (int i = 0; i < c.layers(); i++) {
            String p = PREFIX + "h." + i + ".";
            specs.add(WeightSpec.ones(p + "ln_1.weight", h));
            specs.add(WeightSpec.zeros(p + "ln_1.bias", h));
            specs.add(WeightSpec.normal(p + "attn.qkv_proj.weight", 3 * h, h));
            specs.add(WeightSpec.normal(p + "attn.out_proj.weight", h, h));
            specs.add(WeightSpec.normal(p + "mlp.fc_in.weight", c.intermediate(), h));
            specs.add(WeightSpec.zeros(p + "mlp.fc_in.bias", c.intermediate()));
            specs.add(WeightSpec.normal(p + "mlp.fc_out.weight", h, c.intermediate()));
            specs.add(WeightSpec.zeros(p + "mlp.fc_out.bias", h));
        }
        specs.add(WeightSpec.ones(PREFIX + "ln_f.weight", h));
        specs.add(WeightSpec.zeros(PREFIX + "ln_f.bias", h));
        specs.add(WeightSpec.vocabulary("lm_head.weight", c.vocabSize(), h));
        specs.add(WeightSpec.vocabularyBias("lm_head.bias", c.vocabSize()));
        return specs;
    }

    /**
     * GPT-J's sinusoidal tables ({@code create_sinusoidal_positions}: {@code inv_freq = 10000^(-2i/rotary_dim)} in
     * float32) laid out for interleaved pairs: cos {@code [c0, c0, c1, c1, ...]} and sin {@code [-s0, s0, -s1, s1, ...]}.
     */
    static NDArray[] rotaryTables(NDManager manager, int positions, int rotaryDim) {
        float[] cos = new float[positions * rotaryDim];
        float[] sin = new float[positions * rotaryDim];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < rotaryDim / 2; i++) {
                float invFreq = (float) (1.0 / Math.pow(10000, (2.0 * i) / rotaryDim));
                float angle = p * invFreq;
                int at = p * rotaryDim + 2 * i;
                cos[at] = (float) Math.cos(angle);
                cos[at + 1] = cos[at];
                sin[at] = (float) -Math.sin(angle);
                sin[at + 1] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {manager.create(cos, new Shape(positions, rotaryDim)),
            manager.create(sin, new Shape(positions, rotaryDim))};
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
        Shape shape = tokens.getShape();
        long batch = shape.get(0);
        long seq = shape.get(1);
        int heads = config.heads();
        int headDim = config.headDim();
        long hidden = config.hidden();
        long blockWidth = hidden / ModelConfig.CODEGEN_SHARDS;
        NDArray cos = Ops.embedding(positions, cosTable).expandDims(2);
        NDArray sin = Ops.embedding(positions, signedSinTable).expandDims(2);
        bias = Ops.biasOrCausal(bias, tokens, cache);
        NDArray x = Ops.embedding(tokens, w("wte.weight"));
        // BF16: each block one bfloat16 kernel; it keeps no KV cache, so generation runs in float32
        boolean bf16 = Precision.current() == Precision.BF16 && cache == null;
        for (int i = 0; i < config.layers(); i++) {
            String p = "h." + i + ".";
            NDArray h = Ops.layerNorm(x, w(p + "ln_1.weight"), w(p + "ln_1.bias"), config.normEps());
            if (bf16) {
                x = x.add(Bf16Kernels.get().codegenBlock(h, w(p + "attn.qkv_proj.weight"), w(p + "attn.out_proj.weight"),
                        w(p + "mlp.fc_in.weight"), w(p + "mlp.fc_in.bias"), w(p + "mlp.fc_out.weight"),
                        w(p + "mlp.fc_out.bias"), cos, sin, bias != null ? bias : x.getManager().zeros(new Shape(1, 1, seq, seq)),
                        heads, config.rotaryDim()));
                continue;
            }
            // [b, s, mp_num, (q | v | k), heads / mp_num * headDim]
            NDArray qvk = Ops.linear(h, w(p + "attn.qkv_proj.weight"), null)
                    .reshape(batch, seq, ModelConfig.CODEGEN_SHARDS, 3, blockWidth);
            NDArray q = rotary(qvk.get(":, :, :, 0").reshape(batch, seq, heads, headDim), cos, sin).transpose(0, 2, 1, 3);
            NDArray v = qvk.get(":, :, :, 1").reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
            NDArray k = rotary(qvk.get(":, :, :, 2").reshape(batch, seq, heads, headDim), cos, sin).transpose(0, 2, 1, 3);
            if (cache != null) {
                NDArray[] past = cache.append(i, k, v);
                k = past[0];
                v = past[1];
            }
            NDArray attended = Ops.attention(q, k, v, bias).transpose(0, 2, 1, 3).reshape(batch, seq, hidden);
            NDArray attention = Ops.linear(attended, w(p + "attn.out_proj.weight"), null);
            NDArray mlp = Ops.linear(Ops.geluTanh(Ops.linear(h, w(p + "mlp.fc_in.weight"), w(p + "mlp.fc_in.bias"))),
                    w(p + "mlp.fc_out.weight"), w(p + "mlp.fc_out.bias"));
            x = x.add(attention).add(mlp);
        }
        if (cache != null) {
            cache.advance((int) seq);
        }
        x = Ops.layerNorm(x, w("ln_f.weight"), w("ln_f.bias"), config.normEps());
        return Ops.linear(x, weights.get("lm_head.weight"), weights.get("lm_head.bias"));
    }

    /**
     * Interleaved rotary on the first {@code rotary_dim} dimensions of {@code x} {@code [b, s, heads, headDim]}:
     * {@code x*cos + rotate_every_two(x)*sin}, where rotate_every_two is a swap within each pair (the sign is in
     * the sin table); the remaining dimensions pass unchanged.
     */
    private NDArray rotary(NDArray x, NDArray cos, NDArray sin) {
        int rotaryDim = config.rotaryDim();
        Shape shape = x.getShape();
        NDArray turned = rotaryDim == config.headDim() ? x : x.get("..., :{}", rotaryDim);
        NDArray swapped = turned.reshape(shape.get(0), shape.get(1), shape.get(2), rotaryDim / 2, 2).flip(4)
                .reshape(shape.get(0), shape.get(1), shape.get(2), rotaryDim);
        NDArray rotated = turned.mul(cos).add(swapped.mul(sin));
        return rotaryDim == config.headDim() ? rotated : rotated.concat(x.get("..., {}:", rotaryDim), -1);
    }

    /**
     * In a {@link Precision#BF16} scope, {@link Bf16Decoder} on CodeGen's decode kernel (weights folded by
     * {@link CodegenFolding}), with the plain forward pass for passes without a KV cache; otherwise the plain forward
     * pass.
     */
    @Override
    public Decoder decoder(NDManager manager) {
        Decoder plain = CausalLm.lastPosition(this);
        if (Precision.current() != Precision.BF16) {
            return plain;
        }
        NDArray[] tables = CodegenFolding.wholeHeadTables(cosTable, signedSinTable, config.headDim(), manager);
        return new Bf16Decoder(Bf16Kernels.Decode.CODEGEN, config.layers(),
                (part, into) -> part < config.layers() ? CodegenFolding.layer(config, weights, part, into)
                        : CodegenFolding.head(weights, into),
                w("wte.weight"), tables[0], tables[1], config.heads(), config.heads(), config.normEps(), manager, plain);
    }

    private NDArray w(String name) {
        return weights.get(PREFIX + name);
    }
}
