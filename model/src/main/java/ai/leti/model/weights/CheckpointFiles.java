package ai.leti.model.weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * The weights of a Hugging Face-style checkpoint directory: {@code model.safetensors}, or the shards listed
 * in {@code model.safetensors.index.json}. Tensors are looked up by name across shards.
 */
public final class CheckpointFiles implements AutoCloseable {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Hugging Face's shard names: {@code model-00001-of-00002.safetensors}. */
    public static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    /**
     * The largest shard {@code save_pretrained} writes by default ({@code max_shard_size="5GB"}, decimal);
     * a checkpoint that fits is one {@value #SINGLE}.
     */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

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
                    String shardName = entry.getValue().asString();
                    Path shard = directory.resolve(shardName);
                    boolean plainName = shardName.endsWith(".safetensors") && !shardName.contains("/")
                            && !shardName.contains("\\") && !shardName.startsWith(".");
                    if (!plainName || !Files.isRegularFile(shard)) {
                        throw new WeightsException(index + ": weight_map puts " + entry.getKey() + " in shard " + shardName
                                + (plainName ? ", which is missing" : ", which is not a .safetensors file of this directory"));
                    }
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

    /**
     * The dtype most of the checkpoint's floating weights are stored in (by element count): what a save writes
     * back by default, so BF16 in gives BF16 out.
     */
    public DType storedDtype() {
        Map<DType, Long> counts = new java.util.EnumMap<>(DType.class);
        for (Safetensors file : open.values()) {
            for (Safetensors.Entry entry : file.entries().values()) {
                if (entry.dtype().isFloating()) {
                    counts.merge(entry.dtype(), (entry.end() - entry.begin()) / entry.dtype().bytes(), Long::sum);
                }
            }
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
    }

    /** The shape of a tensor, checked against the shape the model expects; errors name the tensor. */
    public long[] shape(String name, long... expectedShape) {
        Safetensors file = byTensor.get(name);
        if (file == null) {
            throw new WeightsException(directory + ": missing tensor " + name);
        }
        long[] shape = file.entries().get(name).shape();
        if (expectedShape.length > 0 && !java.util.Arrays.equals(shape, expectedShape)) {
            throw new WeightsException(directory + ": tensor " + name + " has shape " + java.util.Arrays.toString(shape)
                    + ", config.json implies " + java.util.Arrays.toString(expectedShape));
        }
        return shape;
    }

    /** {@link Safetensors#readInto} for a tensor of whichever shard holds it. */
    public void readInto(String name, long from, java.nio.ByteBuffer target, DType dtype) {
        shape(name);
        byTensor.get(name).readInto(name, from, target, dtype);
    }

    /** A tensor by name, checked against the shape the model expects; errors name the tensor. */
    public Tensor read(String name, long... expectedShape) {
        shape(name, expectedShape);
        return byTensor.get(name).read(name);
    }

    /**
     * Writes a model's tensors as Hugging Face's {@code save_pretrained} does: one {@value #SINGLE} when they fit
     * in {@code maxShardBytes}, else {@code model-0000i-of-0000n.safetensors} shards filled in order (a new shard
     * whenever the next tensor would overflow this one) and {@value #INDEX} with {@code total_size} and the
     * {@code weight_map}. Weight files of the other layout left in the directory are removed.
     */
    public static void write(Path directory, List<SafetensorsWriter.Outgoing> tensors, DType dtype, long maxShardBytes) {
        List<List<SafetensorsWriter.Outgoing>> shards = new ArrayList<>();
        long total = 0;
        long current = 0;
        for (SafetensorsWriter.Outgoing tensor : tensors) {
            long bytes = tensor.count() * dtype.bytes();
            if (shards.isEmpty() || current > 0 && current + bytes > maxShardBytes) {
                shards.add(new ArrayList<>());
                current = 0;
            }
            shards.get(shards.size() - 1).add(tensor);
            current += bytes;
            total += bytes;
        }
        try {
            Files.createDirectories(directory);
            try (var stale = Files.list(directory)) {
                for (Path file : stale.toList()) {
                    String name = file.getFileName().toString();
                    if (name.equals(SINGLE) || name.equals(INDEX) || SHARD.matcher(name).matches()) {
                        Files.delete(file);
                    }
                }
            }
            Map<String, String> metadata = Map.of("format", "pt");
            if (shards.size() <= 1) {
                SafetensorsWriter.writeAll(directory.resolve(SINGLE), shards.isEmpty() ? List.of() : shards.get(0), dtype, metadata);
                return;
            }
            var index = Jsonl.MAPPER.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            var weightMap = index.putObject("weight_map");
            java.util.SortedMap<String, String> sorted = new java.util.TreeMap<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter.writeAll(directory.resolve(name), shards.get(i), dtype, metadata);
                shards.get(i).forEach(tensor -> sorted.put(tensor.name(), name));
            }
            sorted.forEach(weightMap::put);
            Files.writeString(directory.resolve(INDEX), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        } catch (java.io.IOException e) {
            throw new WeightsException("cannot write the weights in " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        open.values().forEach(Safetensors::close);
    }
}
