package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.Safetensors;
import ai.leti.model.weights.SafetensorsWriter;
import ai.leti.model.weights.Tensor;
import ai.leti.model.weights.WeightsException;

/** A broken checkpoint fails at load time with an error naming the tensor, before any work starts. */
class CheckpointErrorsIT {

    @TempDir
    Path dir;

    private List<Tensor> savedTensors(ModelConfig config) {
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(dir);
        }
        try (Safetensors file = Safetensors.open(dir.resolve(CheckpointFiles.SINGLE))) {
            return file.entries().keySet().stream().map(file::read).collect(Collectors.toList());
        }
    }

    @Test
    void namesAMissingTensor() {
        List<Tensor> tensors = savedTensors(TinyModels.llama());
        tensors.removeIf(tensor -> tensor.name().equals("model.layers.1.self_attn.k_proj.weight"));
        SafetensorsWriter.write(dir.resolve(CheckpointFiles.SINGLE), tensors, DType.F32, Map.of());
        assertThatThrownBy(() -> Models.load(dir, Device.cpu(), DataType.FLOAT32)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("missing tensor model.layers.1.self_attn.k_proj.weight");
    }

    @Test
    void namesAMisShapedTensor() {
        List<Tensor> tensors = savedTensors(TinyModels.gpt2());
        tensors.replaceAll(tensor -> tensor.name().equals("transformer.h.0.mlp.c_fc.weight")
                ? new Tensor(tensor.name(), new long[] {tensor.shape()[1], tensor.shape()[0]}, tensor.values()) : tensor);
        SafetensorsWriter.write(dir.resolve(CheckpointFiles.SINGLE), tensors, DType.BF16, Map.of());
        assertThatThrownBy(() -> Models.load(dir, Device.cpu(), DataType.FLOAT32))
                .hasMessageContaining("transformer.h.0.mlp.c_fc.weight").hasMessageContaining("shape [128, 32]");
    }
}
