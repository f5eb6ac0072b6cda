package ai.leti.model.nn;

import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;

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
    public void save(Path directory, DType dtype) {
        weights.save(config, directory, dtype, CheckpointFiles.DEFAULT_MAX_SHARD_BYTES);
    }

    /** As {@link #save(Path, DType)}, with shards of at most {@code maxShardBytes}. */
    public void save(Path directory, DType dtype, long maxShardBytes) {
        weights.save(config, directory, dtype, maxShardBytes);
    }

    @Override
    public DType checkpointDtype() {
        return weights.storedDtype();
    }

    @Override
    public void close() {
        manager.close();
    }
}
