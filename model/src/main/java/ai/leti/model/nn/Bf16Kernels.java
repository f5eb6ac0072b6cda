package ai.leti.model.nn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;

/**
 * The BF16 compute path's kernels: TorchScript modules ({@code src/main/resources/kernels/}, written by
 * {@code make_kernels.py}) that take float32 tensors, compute in bfloat16 and return float32. DJL's binding cannot
 * hold a bfloat16 tensor (it aborts the process), so bfloat16 lives only inside the scripts; autograd records
 * through them, and their backward pass runs in bfloat16 too. A kernel is one call for a whole block, so the
 * casts are paid once per block, not per op. Loaded once per process.
 */
public final class Bf16Kernels {

    private static volatile Bf16Kernels instance;

    private final NDManager manager;
    private final PtSymbolBlock swiglu;
    private final PtSymbolBlock attention;
    private final PtSymbolBlock codegenBlock;

    private Bf16Kernels() {
        manager = NDManager.newBaseManager(Device.cpu());
        swiglu = load("swiglu_bf16.pt");
        attention = load("attention_bf16.pt");
        codegenBlock = load("codegen_block_bf16.pt");
    }

    /** The kernels, loaded on first use. */
    public static Bf16Kernels get() {
        Bf16Kernels kernels = instance;
        if (kernels == null) {
            synchronized (Bf16Kernels.class) {
                if (instance == null) {
                    instance = new Bf16Kernels();
                }
                kernels = instance;
            }
        }
        return kernels;
    }

    private PtSymbolBlock load(String name) {
        try (InputStream in = Bf16Kernels.class.getResourceAsStream("/kernels/" + name)) {
            if (in == null) {
                throw new IllegalStateException("kernel " + name + " is missing from the classpath (/kernels/)");
            }
            return JniUtils.loadModule((PtNDManager) manager, in, true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel " + name, e);
        }
    }

    /**
     * Llama's MLP, {@code down(silu(gate(x)) * up(x))}, with {@code gateUp} the fused {@code [2I, H]} weight and
     * {@code down} {@code [H, I]}; float32 in and out, bfloat16 inside.
     */
    public NDArray swiglu(NDArray x, NDArray gateUp, NDArray down) {
        return forward(swiglu, x, gateUp, down);
    }

    /**
     * Llama's attention block without a KV cache, from the normed input {@code x} {@code [b, s, h]} to o_proj's
     * output: the fused q/k/v projection and its bias (zeros where the model has none), rotary positions
     * ({@code cos}, {@code sin} {@code [b, 1, s, d]}), grouped key/value heads, the additive {@code bias}
     * {@code [b or 1, 1, s, s]}; float32 in and out, bfloat16 inside (softmax in float32).
     */
    public NDArray attention(NDArray x, NDArray qkvWeight, NDArray qkvBias, NDArray oWeight, NDArray cos, NDArray sin,
            NDArray bias, int heads, int kvHeads) {
        NDManager step = x.getManager();
        return forward(attention, x, qkvWeight, qkvBias, oWeight, cos, sin, bias, step.create((long) heads),
                step.create((long) kvHeads));
    }

    /**
     * CodeGen's block without its residual, from {@code ln_1}'s output {@code x}: attention ({@code qkv_proj} in
     * CodeGen's four q/v/k blocks, partial rotary over {@code rotaryDim} in interleaved pairs with {@code cos} and
     * the sign-folded {@code sin} {@code [b, s, 1, rotaryDim]}, {@code out_proj}) plus the parallel MLP
     * ({@code fc_in}, {@code gelu_new}, {@code fc_out}); float32 in and out, bfloat16 inside.
     */
    public NDArray codegenBlock(NDArray x, NDArray qkvWeight, NDArray outWeight, NDArray fcInWeight, NDArray fcInBias,
            NDArray fcOutWeight, NDArray fcOutBias, NDArray cos, NDArray sin, NDArray bias, int heads, int rotaryDim) {
        NDManager step = x.getManager();
        return forward(codegenBlock, x, qkvWeight, outWeight, fcInWeight, fcInBias, fcOutWeight, fcOutBias, cos, sin,
                bias, step.create((long) heads), step.create((long) rotaryDim));
    }

    private static NDArray forward(PtSymbolBlock kernel, NDArray... inputs) {
        boolean recording = JniUtils.isGradMode();
        NDManager owner = inputs[0].getManager();
        // training = true keeps autograd recording through the script; DJL asks a parameter store for it
        NDList out = kernel.forward(recording ? new ParameterStore(owner, false) : null, new NDList(inputs), recording);
        NDArray result = out.singletonOrThrow();
        result.attach(owner);
        return result;
    }
}
