package ai.leti.model.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.nn.ArrayBytes;
import ai.leti.model.nn.GradMode;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.Safetensors;
import ai.leti.model.weights.SafetensorsWriter;
import ai.leti.model.weights.WeightsException;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter), as {@code torch.optim.AdamW} computes it, applying
 * decay to matrices only (not to norms and biases, as the Hugging Face trainer does). Its moments are
 * ordinary NDArrays kept here so they can be saved beside a checkpoint and training resumes exactly; DJL's
 * built-in optimizer keeps them out of reach.
 */
public final class AdamW implements AutoCloseable {

    public static final String FILE = "optimizer.safetensors";
    /** The name prefix of full-precision master weights in {@value #FILE}. */
    static final String MASTER = "master.";

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long step;

    public AdamW(NDManager parent, double beta1, double beta2, double epsilon, double weightDecay) {
        this.manager = parent.newSubManager();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** The usual setting: betas (0.9, 0.999), eps 1e-8. */
    public static AdamW standard(NDManager parent, double weightDecay) {
        return new AdamW(parent, 0.9, 0.999, 1e-8, weightDecay);
    }

    public long step() {
        return step;
    }

    /** One update of every parameter from its gradient, in place. */
    public void update(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double learningRate) {
        GradMode.off();
        step++;
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        double stepSize = learningRate / correction1;
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            String name = entry.getKey();
            NDArray parameter = entry.getValue();
            NDArray gradient = gradients.get(name);
            NDArray m = firstMoments.computeIfAbsent(name, n -> manager.zeros(parameter.getShape(), parameter.getDataType()));
            NDArray v = secondMoments.computeIfAbsent(name, n -> manager.zeros(parameter.getShape(), parameter.getDataType()));
            if (weightDecay > 0 && parameter.getShape().dimension() >= 2) {
                parameter.muli(1 - learningRate * weightDecay);
            }
            // Every temporary is closed here: they belong to long-lived managers and would pile up otherwise.
            try (NDArray scaled = gradient.mul(1 - beta1)) {
                m.muli(beta1).addi(scaled);
            }
            try (NDArray squared = gradient.square()) {
                v.muli(beta2).addi(squared.muli(1 - beta2));
            }
            try (NDArray corrected = v.div(correction2); NDArray root = corrected.sqrt()) {
                root.addi(epsilon);
                try (NDArray change = m.div(root)) {
                    parameter.subi(change.muli(stepSize));
                }
            }
        }
    }

    /**
     * Writes the moments and the step count beside a checkpoint, and the {@code masters}: full-precision copies
     * of weights the checkpoint stores in a narrower dtype (BF16 out of F32 training), without which a resumed
     * run would continue from rounded weights and lose every update smaller than BF16's resolution.
     */
    public void save(Path directory, Map<String, NDArray> masters) {
        List<SafetensorsWriter.Outgoing> tensors = new ArrayList<>();
        firstMoments.forEach((name, m) -> tensors.add(ArrayBytes.outgoing("exp_avg." + name, m)));
        secondMoments.forEach((name, v) -> tensors.add(ArrayBytes.outgoing("exp_avg_sq." + name, v)));
        masters.forEach((name, weight) -> tensors.add(ArrayBytes.outgoing(MASTER + name, weight)));
        SafetensorsWriter.writeAll(directory.resolve(FILE), tensors, DType.F32,
                Map.of("step", Long.toString(step), "beta1", Double.toString(beta1), "beta2", Double.toString(beta2),
                        "eps", Double.toString(epsilon), "weight_decay", Double.toString(weightDecay)));
    }

    /**
     * Restores what {@link #save} wrote: the moments, which must match the model's parameters by name and shape,
     * and master weights, copied into the parameters they belong to.
     */
    public void load(Path directory, Map<String, NDArray> parameters) {
        Path file = directory.resolve(FILE);
        try (Safetensors saved = Safetensors.open(file)) {
            step = Long.parseLong(saved.metadata().getOrDefault("step", "0"));
            firstMoments.clear();
            secondMoments.clear();
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray parameter = entry.getValue();
                for (String kind : new String[] {"exp_avg.", "exp_avg_sq.", MASTER}) {
                    String name = kind + entry.getKey();
                    if (!saved.entries().containsKey(name)) {
                        continue; // a parameter not yet updated has no moments; one saved at full precision no master
                    }
                    long[] shape = saved.entries().get(name).shape();
                    if (!new Shape(shape).equals(parameter.getShape())) {
                        throw new WeightsException(file + ": " + name + " has shape " + new Shape(shape)
                                + ", the parameter " + parameter.getShape());
                    }
                    NDArray values = ArrayBytes.filled(manager, shape, DType.of(parameter.getDataType()), array ->
                            ArrayBytes.fillRows(array, 0, shape.length == 0 ? 1 : shape[0], (first, view) ->
                                    saved.readInto(name, first, view, DType.of(parameter.getDataType()))));
                    if (kind.equals(MASTER)) {
                        GradMode.off();
                        try (values) {
                            parameter.muli(0).addi(values); // in place: the same array, now the exact master values
                        }
                    } else {
                        (kind.equals("exp_avg.") ? firstMoments : secondMoments).put(entry.getKey(), values);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
