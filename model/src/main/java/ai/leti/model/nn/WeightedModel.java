package ai.leti.model.nn;

import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;

/** What every family shares: its config, the manager that owns its weights, and the weights by name. */
public abstract class WeightedModel implements CausalLm {

    protected final ModelConfig config;
    protected final NDManager manager;
    protected final TransformerWeights weights;

    protected WeightedModel(ModelConfig config, NDManager manager, TransformerWeights weights) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return weights.all();
    }

    @Override
    public void save(Path directory) {
        weights.save(config, directory);
    }

    @Override
    public void close() {
        manager.close();
    }
}
