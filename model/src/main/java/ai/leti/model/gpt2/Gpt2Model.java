package ai.leti.model.gpt2;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.ModelConfig;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;
import ai.leti.model.nn.TransformerWeights;
import ai.leti.model.nn.WeightedModel;
import ai.leti.model.nn.WeightSpec;

/**
 * GPT-2 style decoders: LayerNorm, learned absolute positions, a fused qkv projection, tanh-GELU MLP and an
 * output layer tied to the token embedding. Hugging Face's Conv1D stores weights {@code [in, out]}: they are
 * kept in that layout (so saving writes them back unchanged) and applied as {@code x W + b}.
 */
public final class Gpt2Model extends WeightedModel {

    private static final String PREFIX = "transformer.";


    private Gpt2Model(ModelConfig config, NDManager manager, TransformerWeights weights) {
        super(config, manager, weights);
    }

    public static Gpt2Model load(ModelConfig config, Path directory, NDManager manager, DataType dtype) {
        return new Gpt2Model(config, manager, TransformerWeights.load(specs(config), directory, manager, dtype));
    }

    public static Gpt2Model random(ModelConfig config, NDManager manager, DataType dtype, long seed) {
        return new Gpt2Model(config, manager, TransformerWeights.random(specs(config), manager, dtype, seed));
    }

    public static List<WeightSpec> specs(ModelConfig c) {
        long h = c.hidden();
        List<WeightSpec> specs = new ArrayList<>();
        specs.add(WeightSpec.vocabulary(PREFIX + "wte.weight", c.vocabSize(), h));
        specs.add(WeightSpec.normal(PREFIX + "wpe.weight", c.maxPositions(), h));
        for (int i = 0; i < c.layers(); i++) {
            String p = PREFIX + "h." + i + ".";
            specs.add(WeightSpec.ones(p + "ln_1.weight", h));
            specs.add(WeightSpec.zeros(p + "ln_1.bias", h));
            specs.add(WeightSpec.normal(p + "attn.c_attn.weight", h, 3 * h));
            specs.add(WeightSpec.zeros(p + "attn.c_attn.bias", 3 * h));
            specs.add(WeightSpec.normal(p + "attn.c_proj.weight", h, h));
            specs.add(WeightSpec.zeros(p + "attn.c_proj.bias", h));
            specs.add(WeightSpec.ones(p + "ln_2.weight", h));
            specs.add(WeightSpec.zeros(p + "ln_2.bias", h));
            specs.add(WeightSpec.normal(p + "mlp.c_fc.weight", h, c.intermediate()));
            specs.add(WeightSpec.zeros(p + "mlp.c_fc.bias", c.intermediate()));
            specs.add(WeightSpec.normal(p + "mlp.c_proj.weight", c.intermediate(), h));
            specs.add(WeightSpec.zeros(p + "mlp.c_proj.bias", h));
        }
        specs.add(WeightSpec.ones(PREFIX + "ln_f.weight", h));
        specs.add(WeightSpec.zeros(PREFIX + "ln_f.bias", h));
        return specs;
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
        Shape shape = tokens.getShape();
        long batch = shape.get(0);
        long seq = shape.get(1);
        int heads = config.heads();
        int headDim = config.headDim();
        long hidden = config.hidden();
        bias = Ops.biasOrCausal(bias, tokens, cache);
        NDArray x = Ops.embedding(tokens, w("wte.weight")).add(Ops.embedding(positions, w("wpe.weight")));
        for (int i = 0; i < config.layers(); i++) {
            String p = "h." + i + ".";
            NDArray h = Ops.layerNorm(x, w(p + "ln_1.weight"), w(p + "ln_1.bias"), config.normEps());
            NDArray qkv = conv1d(h, p + "attn.c_attn");
            NDArray q = qkv.get("..., :{}", hidden).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
            NDArray k = qkv.get("..., {}:{}", hidden, 2 * hidden).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
            NDArray v = qkv.get("..., {}:", 2 * hidden).reshape(batch, seq, heads, headDim).transpose(0, 2, 1, 3);
            if (cache != null) {
                NDArray[] past = cache.append(i, k, v);
                k = past[0];
                v = past[1];
            }
            NDArray attended = Ops.attention(q, k, v, bias).transpose(0, 2, 1, 3).reshape(batch, seq, hidden);
            x = x.add(conv1d(attended, p + "attn.c_proj"));
            h = Ops.layerNorm(x, w(p + "ln_2.weight"), w(p + "ln_2.bias"), config.normEps());
            x = x.add(conv1d(Ops.geluTanh(conv1d(h, p + "mlp.c_fc")), p + "mlp.c_proj"));
        }
        if (cache != null) {
            cache.advance((int) seq);
        }
        x = Ops.layerNorm(x, w("ln_f.weight"), w("ln_f.bias"), config.normEps());
        return Ops.linear(x, w("wte.weight"), null);
    }

    private NDArray conv1d(NDArray x, String prefix) {
        return x.matMul(w(prefix + ".weight")).add(w(prefix + ".bias"));
    }

    private NDArray w(String name) {
        return weights.get(PREFIX + name);
    }
}
