package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.common.json.Jsonl;
import ai.leti.model.nn.WeightedModel;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;
import ai.leti.model.weights.Safetensors;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checkpoints as Hugging Face tools expect them: saved in the dtype they came in, sharded as
 * {@code save_pretrained} shards, with config.json and generation_config.json, loading back to identical logits;
 * training resumed from a BF16 checkpoint continues from its full-precision masters; broken shards are named.
 */
class CheckpointExportIT {

    private static final long[] TOKENS = {5, 17, 3, 42, 8, 60, 1, 33, 2, 9};

    @TempDir
    Path dir;

    private static float[] logits(CausalLm model) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            long[] positions = new long[TOKENS.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i;
            }
            Shape shape = new Shape(1, TOKENS.length);
            return model.forward(manager.create(TOKENS, shape), manager.create(positions, shape), null, null).toFloatArray();
        }
    }

    private static DType storedDtype(Path file) {
        try (Safetensors tensors = Safetensors.open(file)) {
            return tensors.entries().values().iterator().next().dtype();
        }
    }

    private static JsonNode json(Path file) throws IOException {
        return Jsonl.MAPPER.readTree(Files.readString(file));
    }

    @Test
    void bf16InGivesBf16OutAndLoadsBackToIdenticalLogits() throws IOException {
        Path bf16 = dir.resolve("bf16");
        try (CausalLm model = Models.random(TinyModels.qwen2(), Device.cpu(), DataType.FLOAT32, 7)) {
            assertThat(model.checkpointDtype()).isEqualTo(DType.F32);
            model.save(bf16, DType.BF16);
        }
        assertThat(storedDtype(bf16.resolve(CheckpointFiles.SINGLE))).isEqualTo(DType.BF16);
        Path again = dir.resolve("again");
        float[] first;
        try (CausalLm model = Models.load(bf16, Device.cpu(), DataType.FLOAT32)) {
            assertThat(model.checkpointDtype()).isEqualTo(DType.BF16);
            first = logits(model);
            model.save(again);
        }
        assertThat(storedDtype(again.resolve(CheckpointFiles.SINGLE))).as("saved as it came").isEqualTo(DType.BF16);
        assertThat(Files.mismatch(bf16.resolve(CheckpointFiles.SINGLE), again.resolve(CheckpointFiles.SINGLE)))
                .as("the same bytes: BF16 values held in float32 write back exactly").isEqualTo(-1L);
        try (CausalLm model = Models.load(again, Device.cpu(), DataType.FLOAT32)) {
            assertThat(logits(model)).containsExactly(first);
            model.save(dir.resolve("f32"), DType.F32);
        }
        assertThat(storedDtype(dir.resolve("f32").resolve(CheckpointFiles.SINGLE))).as("F32 on request").isEqualTo(DType.F32);
        assertThatThrownBy(() -> Models.load(bf16, Device.cpu(), DataType.BFLOAT16))
                .as("an error, not the engine aborting the process").isInstanceOf(WeightsException.class)
                .hasMessageContaining("bfloat16");

        JsonNode config = json(again.resolve(ModelConfig.FILE));
        assertThat(config.get("torch_dtype").asString()).isEqualTo("bfloat16");
        assertThat(config.get("architectures").get(0).asString()).isEqualTo("Qwen2ForCausalLM");
        assertThat(config.get("vocab_size").asInt()).isEqualTo(TinyModels.VOCAB);
    }

    @Test
    void shardsAsSavePretrainedDoesAndNamesABrokenShard() throws IOException {
        Path sharded = dir.resolve("sharded");
        float[] original;
        ModelConfig config = TinyModels.codegen();
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 9)) {
            original = logits(model);
            ((WeightedModel) model).save(sharded, DType.F32, 40_000);
        }
        List<String> files;
        try (Stream<Path> listing = Files.list(sharded)) {
            files = listing.map(file -> file.getFileName().toString()).sorted().toList();
        }
        List<String> shards = files.stream().filter(name -> CheckpointFiles.SHARD.matcher(name).matches()).toList();
        assertThat(shards).hasSizeGreaterThanOrEqualTo(2);
        assertThat(files).doesNotContain(CheckpointFiles.SINGLE)
                .contains(ModelConfig.FILE, ModelConfig.GENERATION_FILE, CheckpointFiles.INDEX);
        JsonNode index = json(sharded.resolve(CheckpointFiles.INDEX));
        long tensorBytes = 0;
        for (String shard : shards) {
            try (Safetensors file = Safetensors.open(sharded.resolve(shard))) {
                for (Safetensors.Entry entry : file.entries().values()) {
                    tensorBytes += entry.end() - entry.begin();
                    assertThat(index.get("weight_map").get(entry.name()).asString()).isEqualTo(shard);
                }
            }
        }
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(tensorBytes);
        JsonNode generation = json(sharded.resolve(ModelConfig.GENERATION_FILE));
        assertThat(generation.get("bos_token_id").asInt()).isEqualTo(1);
        assertThat(generation.get("eos_token_id").asInt()).isEqualTo(60);
        assertThat(generation.get("_from_model_config").asBoolean()).isTrue();

        try (CausalLm model = Models.load(sharded, Device.cpu(), DataType.FLOAT32)) {
            assertThat(logits(model)).containsExactly(original);
            model.save(dir.resolve("single"));
        }
        assertThat(Files.exists(dir.resolve("single").resolve(CheckpointFiles.SINGLE))).as("under 5 GB: one file").isTrue();

        Path last = sharded.resolve(shards.get(shards.size() - 1));
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 100);
        }
        assertThatThrownBy(() -> Models.load(sharded, Device.cpu(), DataType.FLOAT32)).isInstanceOf(WeightsException.class)
                .hasMessageContaining(last.getFileName().toString()).hasMessageContaining("truncated");
        Files.delete(last);
        assertThatThrownBy(() -> Models.load(sharded, Device.cpu(), DataType.FLOAT32)).isInstanceOf(WeightsException.class)
                .hasMessageContaining(CheckpointFiles.INDEX).hasMessageContaining("weight_map")
                .hasMessageContaining(last.getFileName() + ", which is missing");
    }

    /** A tokenizer is checked against the model it comes with, and names the ids config.json lacks. */
    @Test
    void refusesATokenizerThatDoesNotFitAndStatesSpecialTokens() throws IOException {
        Path checkpoint = dir.resolve("with-tokenizer");
        List<String> corpus = List.of("def add(a, b):\n    return a + b\n", "print('hello, world')\n", "x = [i * i for i in range(10)]\n");
        BpeTrainer.train(corpus, 290, List.of(LetiTokenizer.END_OF_TEXT), checkpoint.resolve(LetiTokenizer.FILE));
        ModelConfig small = TinyModels.llama(); // vocab_size 61: the tokenizer's 290 ids do not fit
        try (CausalLm model = Models.random(small, Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(checkpoint);
        }
        try (LetiTokenizer tokenizer = LetiTokenizer.open(checkpoint)) {
            assertThatThrownBy(() -> Models.load(checkpoint, Device.cpu(), DataType.FLOAT32, tokenizer))
                    .isInstanceOf(WeightsException.class).hasMessageContaining(LetiTokenizer.FILE)
                    .hasMessageContaining("vocab_size 61");
        }
        int ownTokens;
        try (LetiTokenizer tokenizer = LetiTokenizer.open(checkpoint)) {
            ownTokens = tokenizer.size() - LetiTokenizer.LETI_TOKENS.size();
        }
        ObjectNode json = TinyModels.llama().json().deepCopy();
        json.put("vocab_size", ownTokens);
        try (CausalLm model = Models.random(ModelConfig.parse(json, "test"), Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(checkpoint);
        }
        try (LetiTokenizer tokenizer = LetiTokenizer.open(checkpoint);
             CausalLm model = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32, tokenizer)) {
            assertThat(model.config().vocabSize()).as("grown for LETI's tokens").isEqualTo(tokenizer.size());
            model.save(dir.resolve("stated"));
            tokenizer.save(dir.resolve("stated"));
        }
        JsonNode config = json(dir.resolve("stated").resolve(ModelConfig.FILE));
        assertThat(config.get("eos_token_id").asInt()).as("the tokenizer's end of text, which config.json lacked").isZero();
        assertThat(config.get("vocab_size").asInt()).isEqualTo(ownTokens + 4);
        assertThat(json(dir.resolve("stated").resolve(ModelConfig.GENERATION_FILE)).get("eos_token_id").asInt()).isZero();
        assertThat(dir.resolve("stated").resolve("tokenizer_config.json")).exists();
        assertThat(dir.resolve("stated").resolve("special_tokens_map.json")).exists();
    }

    /** Trained in float32 and saved as BF16, a run resumes from the optimizer's masters, not from rounded weights. */
    @Test
    void resumesFromFullPrecisionMastersOfABf16Checkpoint() {
        Path base = dir.resolve("base");
        try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 3)) {
            model.save(base, DType.BF16);
        }
        Random random = new Random(1);
        List<int[]> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int[] sequence = new int[12];
            for (int t = 0; t < sequence.length; t++) {
                sequence[t] = 1 + random.nextInt(TinyModels.VOCAB - 1);
            }
            batch.add(sequence);
        }
        // a small learning rate: most updates are below BF16's resolution, so rounded weights would show it
        TrainingSettings settings = new TrainingSettings(new LearningRateSchedule(1e-5, 0, 100, 1.0), 0.0, 8, 1, 1.0, 0);
        Path checkpoint = dir.resolve("step-2");
        float[] continued;
        try (CausalLm model = Models.load(base, Device.cpu(), DataType.FLOAT32);
             LmTrainer trainer = new LmTrainer(model, settings)) {
            trainer.train(batch);
            trainer.train(batch);
            trainer.save(checkpoint);
            trainer.train(batch);
            continued = flat(model.parameters());
        }
        assertThat(storedDtype(checkpoint.resolve(CheckpointFiles.SINGLE))).isEqualTo(DType.BF16);
        try (CausalLm model = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32);
             LmTrainer trainer = new LmTrainer(model, settings)) {
            float[] rounded = flat(model.parameters());
            trainer.resume(checkpoint);
            assertThat(flat(model.parameters())).as("the masters replace the rounded weights").isNotEqualTo(rounded);
            trainer.train(batch);
            assertThat(flat(model.parameters())).as("resumed = uninterrupted").containsExactly(continued);
        }
    }

    private static float[] flat(Map<String, NDArray> parameters) {
        return parameters.values().stream().map(NDArray::toFloatArray).reduce(new float[0], (a, b) -> {
            float[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, joined, a.length, b.length);
            return joined;
        });
    }
}
