package ai.leti.model.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * The weights of a Hugging Face-style checkpoint directory: {@code model.safetensors}, or the shards listed
 * in {@code model.safetensors.index.json}. Tensors are looked up by name across shards.
 */
public final class CheckpointFiles implements AutoCloseable {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Map<String, Safetensors> byTensor = new LinkedHashMap<>();
    private final Map<Path, Safetensors> open = new LinkedHashMap<>();
    private final Path directory;

    private CheckpointFiles(Path directory) {
        this.directory = directory;
    }

    public static CheckpointFiles open(Path directory) {
        CheckpointFiles files = new CheckpointFiles(directory);
        try {
            Path index = directory.resolve(INDEX);
            Path single = directory.resolve(SINGLE);
            if (Files.exists(index)) {
                JsonNode weightMap = Jsonl.MAPPER.readTree(Files.readString(index)).get("weight_map");
                if (weightMap == null || !weightMap.isObject()) {
                    throw new WeightsException(index + ": no weight_map object");
                }
                for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
                    Path shard = directory.resolve(entry.getValue().asString());
                    Safetensors file = files.open.computeIfAbsent(shard, Safetensors::open);
                    if (!file.entries().containsKey(entry.getKey())) {
                        throw new WeightsException(index + ": tensor " + entry.getKey() + " is listed in " + shard.getFileName()
                                + " but that shard does not hold it");
                    }
                    files.byTensor.put(entry.getKey(), file);
                }
            } else if (Files.exists(single)) {
                Safetensors file = Safetensors.open(single);
                files.open.put(single, file);
                file.entries().keySet().forEach(name -> files.byTensor.put(name, file));
            } else {
                throw new WeightsException(directory + ": neither " + SINGLE + " nor " + INDEX + " found");
            }
            return files;
        } catch (java.io.IOException e) {
            files.close();
            throw new WeightsException("cannot read " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
    }

    public Set<String> names() {
        return byTensor.keySet();
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    /** A tensor by name, checked against the shape the model expects; errors name the tensor. */
    public Tensor read(String name, long... expectedShape) {
        Safetensors file = byTensor.get(name);
        if (file == null) {
            throw new WeightsException(directory + ": missing tensor " + name);
        }
        Tensor tensor = file.read(name);
        if (expectedShape.length > 0 && !java.util.Arrays.equals(tensor.shape(), expectedShape)) {
            throw new WeightsException(directory + ": tensor " + name + " has shape " + java.util.Arrays.toString(tensor.shape())
                    + ", config.json implies " + java.util.Arrays.toString(expectedShape));
        }
        return tensor;
    }

    @Override
    public void close() {
        open.values().forEach(Safetensors::close);
    }
}
