package ai.leti.model.nn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;

/**
 * The BF16 compute path's kernels: TorchScript modules ({@code src/main/resources/kernels/}, written by
 * {@code make_kernels.py}) that take float32 tensors, compute in bfloat16 and return float32. DJL's binding cannot
 * hold a bfloat16 tensor (it aborts the process), so bfloat16 lives only inside the scripts; autograd records
 * through them, and their backward pass runs in bfloat16 too. A kernel is one call for a whole block, so the
 * casts are paid once per block, not per op. Loaded once per process. One more script computes nothing: the KV
 * cache's row copy of continuous batching ({@link #copyRows}), one call instead of three per layer and row.
 */
public final class Bf16Kernels {

    private static volatile Bf16Kernels instance;

    private final NDManager manager;
    private final PtSymbolBlock swiglu;
    private final PtSymbolBlock attention;
    private final PtSymbolBlock codegenBlock;
    private final PtSymbolBlock llamaDecode;
    private final PtSymbolBlock codegenDecode;
    private final PtSymbolBlock appendBf16;
    private final PtSymbolBlock kvRows;

    private Bf16Kernels() {
        manager = NDManager.newBaseManager(Device.cpu());
        swiglu = load("swiglu_bf16.pt");
        attention = load("attention_bf16.pt");
        codegenBlock = load("codegen_block_bf16.pt");
        llamaDecode = load("llama_decode_bf16.pt");
        codegenDecode = load("codegen_decode_bf16.pt");
        appendBf16 = load("append_bf16.pt");
        kvRows = load("kv_rows.pt");
    }

    /** The whole-step generation kernels ({@code make_kernels.py}), one per family. */
    public enum Decode {
        /** {@code LlamaDecodeBf16}: Llama, Qwen2, Mistral; five arrays per layer, then the head. */
        LLAMA,
        /** {@code CodegenDecodeBf16}: CodeGen; seven arrays per layer, then the head and its bias. */
        CODEGEN
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

    /**
     * {@code done} (a native list of bfloat16 tensors, or null for none) followed by {@code more} cast to bfloat16, as
     * a new native list; {@code done} stays open. Nulls in {@code more} become empty tensors, made in {@code manager}.
     * The caller closes the result: DJL cannot hold a bfloat16 tensor, so the list never leaves native memory.
     */
    public IValue appendBf16(IValue done, NDManager manager, NDArray... more) {
        PtNDArray[] tensors = new PtNDArray[more.length];
        for (int i = 0; i < more.length; i++) {
            tensors[i] = (PtNDArray) (more[i] != null ? more[i] : manager.zeros(new Shape(0)));
        }
        try (IValue empty = done == null ? IValue.listFrom(new PtNDArray[0]) : null;
             IValue added = IValue.listFrom(tensors)) {
            return appendBf16.forward(done != null ? done : empty, added);
        }
    }

    /**
     * A family's forward pass for generation in one call ({@code make_kernels.py}'s {@code LlamaDecodeBf16} and
     * {@code CodegenDecodeBf16}): the folded {@code weights} in bfloat16 (built with {@link #appendBf16}), the float32
     * {@code cache} written in place at its length (the caller advances it), float32 embedding and rotary tables
     * ({@code [positions, headDim]}), {@code tokens} and {@code positions} {@code [b, s]}, the additive attention
     * {@code bias} or null. Returns the last position's logits {@code [b, vocab]}.
     */
    public NDArray decode(Decode which, IValue weights, KvCache cache, NDArray embedding, NDArray cosTable,
            NDArray sinTable, NDArray tokens, NDArray positions, NDArray bias, int heads, int kvHeads, double eps) {
        NDManager step = tokens.getManager();
        PtNDArray[] cacheTensors = pt(cache.arrays());
        NDArray attentionBias = bias != null ? bias : step.zeros(new Shape(0));
        IValue[] inputs = {IValue.listFrom(cacheTensors), IValue.from((PtNDArray) embedding),
            IValue.from((PtNDArray) cosTable), IValue.from((PtNDArray) sinTable), IValue.from((PtNDArray) tokens),
            IValue.from((PtNDArray) positions), IValue.from((PtNDArray) attentionBias), IValue.from((long) cache.length()),
            IValue.from((long) heads), IValue.from((long) kvHeads), IValue.from(eps)};
        IValue[] all = new IValue[inputs.length + 1];
        all[0] = weights;
        System.arraycopy(inputs, 0, all, 1, inputs.length);
        PtSymbolBlock kernel = which == Decode.LLAMA ? llamaDecode : codegenDecode;
        try (IValue logits = kernel.forward(all)) {
            return logits.toTensor((PtNDManager) step);
        } finally {
            for (IValue input : inputs) {
                input.close();
            }
        }
    }

    /**
     * {@code make_kernels.py}'s {@code KvRows}: row {@code i} of every array of {@code fresh} ({@code [n, kvHeads,
     * width, d]}, {@link KvCache#arrays} order) copied into row {@code rows[i]} of the same array of {@code cache}, at
     * columns {@code to..to+width}, in place.
     */
    void copyRows(NDArray[] cache, NDArray[] fresh, NDArray rows, int to) {
        try (IValue into = IValue.listFrom(pt(cache)); IValue from = IValue.listFrom(pt(fresh));
             IValue indices = IValue.from((PtNDArray) rows); IValue column = IValue.from((long) to);
             IValue width = kvRows.forward(into, from, indices, column)) {
            // the copy happened in place; width only confirms the call returned
        }
    }

    private static PtNDArray[] pt(NDArray[] arrays) {
        PtNDArray[] tensors = new PtNDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            tensors[i] = (PtNDArray) arrays[i];
        }
        return tensors;
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
