package ai.leti.model;

import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.gpt2.Gpt2Model;
import ai.leti.model.llama.LlamaModel;

/** Loads a checkpoint directory into the family its {@code config.json} names, on a configured device. */
public final class Models {

    private Models() {
    }

    public static CausalLm load(Path directory, Device device, DataType dtype) {
        ModelConfig config = ModelConfig.read(directory);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return switch (config.family()) {
                case LLAMA -> LlamaModel.load(config, directory, manager, dtype);
                case GPT2 -> Gpt2Model.load(config, directory, manager, dtype);
            };
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public static CausalLm random(ModelConfig config, Device device, DataType dtype, long seed) {
        NDManager manager = NDManager.newBaseManager(device);
        return switch (config.family()) {
            case LLAMA -> LlamaModel.random(config, manager, dtype, seed);
            case GPT2 -> Gpt2Model.random(config, manager, dtype, seed);
        };
    }
}
