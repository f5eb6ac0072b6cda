package ai.leti.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;

/**
 * A byte-level BPE trained here, loaded through Hugging Face tokenizers, and LETI's tokens added to it; its special
 * tokens read from tokenizer_config.json and config.json, and the files a save writes. The twin, here, of
 * {@link RealTokenizersIT}, which needs fetched fixtures and node.
 */
class LetiTokenizerIT {

    @TempDir
    Path dir;

    private static final String PROGRAM = "def add_one(values):\n    result = []\n    for value in values:\n"
            + "        result.append(value + 1)\n    return result\n\n\nassert add_one([1, 2]) == [2, 3]\n";

    private static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            texts.add(PROGRAM.replace("add_one", "add_" + i).replace("1", Integer.toString(i)));
            texts.add("class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n");
        }
        return texts;
    }

    @Test
    void trainsATokenizerThatRoundTripsCodeExactly() {
        BpeTrainer.train(corpus(), 400, List.of(LetiTokenizer.END_OF_TEXT), dir.resolve(LetiTokenizer.FILE));
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            for (String text : List.of(PROGRAM, "x\t=  'ünïcode ✓'\r\n    \n", "\"\"\"\nDocstring.\n\"\"\"\n")) {
                assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
            }
            int[] ids = tokenizer.encode(PROGRAM);
            assertThat(ids.length).as("merges compress the code").isLessThan(PROGRAM.length() / 2);
            assertThat(tokenizer.endOfText()).isZero();
        }
    }

    @Test
    void addsLetiSpecialTokensOnceAsSingleIds() throws Exception {
        BpeTrainer.train(corpus(), 300, List.of(LetiTokenizer.END_OF_TEXT), dir.resolve(LetiTokenizer.FILE));
        int size;
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            size = tokenizer.size();
            assertThat(size).isEqualTo(300 + 4);
            int good = tokenizer.id(LetiTokenizer.GOOD);
            int open = tokenizer.id(LetiTokenizer.FEEDBACK_OPEN);
            int close = tokenizer.id(LetiTokenizer.FEEDBACK_CLOSE);
            String text = LetiTokenizer.GOOD + "def f():" + LetiTokenizer.FEEDBACK_OPEN + "Timeout" + LetiTokenizer.FEEDBACK_CLOSE;
            int[] ids = tokenizer.encode(text);
            assertThat(ids[0]).isEqualTo(good);
            assertThat(ids).contains(open, close);
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
            tokenizer.save(dir.resolve("saved"));
        }
        try (LetiTokenizer again = LetiTokenizer.open(dir.resolve("saved"))) {
            assertThat(again.size()).as("already present: nothing added twice").isEqualTo(size);
        }
        assertThat(Files.readString(dir.resolve("saved").resolve(LetiTokenizer.FILE))).contains("<|bad|>");
    }

    @Test
    void growsTheEmbeddingForNewTokensWithTheMeanRow() {
        Path checkpoint = dir.resolve("model");
        try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(checkpoint);
        }
        int grown = TinyModels.VOCAB + 4;
        try (CausalLm model = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32, grown)) {
            assertThat(model.config().vocabSize()).isEqualTo(grown);
            NDArray embedding = model.parameters().get("model.embed_tokens.weight");
            assertThat(embedding.getShape().get(0)).isEqualTo(grown);
            float[] mean = embedding.get(":{}", TinyModels.VOCAB).mean(new int[] {0}).toFloatArray();
            float[] added = embedding.get(TinyModels.VOCAB + 2).toFloatArray();
            for (int i = 0; i < mean.length; i++) {
                assertThat(added[i]).isCloseTo(mean[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
            assertThat(model.parameters().get("lm_head.weight").getShape().get(0)).isEqualTo(grown);
            model.save(dir.resolve("resized"));
        }
        assertThat(ai.leti.model.ModelConfig.read(dir.resolve("resized")).vocabSize()).isEqualTo(grown);
    }

    private void trained() {
        BpeTrainer.train(corpus(), 300, List.of(LetiTokenizer.END_OF_TEXT, "<s>", "<pad>"), dir.resolve(LetiTokenizer.FILE));
    }

    @Test
    void readsSpecialTokensAsStringsOrObjectsAndIdsFromConfigJson() throws Exception {
        trained();
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<s>\"}, \"eos_token\": \"<|endoftext|>\","
                        + " \"pad_token\": null, \"chat_template\": \"{{ messages }}\"}");
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [0, 1], \"pad_token_id\": 2, \"bos_token_id\": 0}");
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            assertThat(tokenizer.bos()).as("tokenizer_config.json wins").isEqualTo(1);
            assertThat(tokenizer.endOfText()).isZero();
            assertThat(tokenizer.endOfSequenceIds()).containsExactly(0, 1);
            assertThat(tokenizer.pad()).as("null there, config.json's").isEqualTo(2);
            assertThat(tokenizer.unk()).isEqualTo(-1);
            tokenizer.save(dir.resolve("saved"));
        }
        JsonNode config = Jsonl.MAPPER.readTree(Files.readString(dir.resolve("saved/tokenizer_config.json")));
        assertThat(config.get("chat_template").asString()).as("the source's fields kept").isEqualTo("{{ messages }}");
        assertThat(config.get("bos_token").get("content").asString()).isEqualTo("<s>");
        assertThat(config.get("pad_token").isNull()).isTrue();
        assertThat(config.get("added_tokens_decoder").get("303").get("content").asString()).isEqualTo(LetiTokenizer.FEEDBACK_CLOSE);
        assertThat(config.get("added_tokens_decoder").get("0").get("content").asString()).isEqualTo(LetiTokenizer.END_OF_TEXT);
        assertThat(config.get("additional_special_tokens").valueStream().map(JsonNode::asString).toList())
                .containsExactlyElementsOf(LetiTokenizer.LETI_TOKENS);
        JsonNode map = Jsonl.MAPPER.readTree(Files.readString(dir.resolve("saved/special_tokens_map.json")));
        assertThat(map.get("bos_token").get("content").asString()).isEqualTo("<s>");
        assertThat(map.get("eos_token").get("content").asString()).isEqualTo(LetiTokenizer.END_OF_TEXT);
        assertThat(map.has("pad_token")).isFalse();
        assertThat(map.get("additional_special_tokens")).isEqualTo(config.get("additional_special_tokens"));
    }

    @Test
    void writesTokenizerConfigWhereTheSourceHadNone() throws Exception {
        trained();
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            tokenizer.save(dir.resolve("saved"));
        }
        JsonNode config = Jsonl.MAPPER.readTree(Files.readString(dir.resolve("saved/tokenizer_config.json")));
        assertThat(config.get("eos_token").asString()).isEqualTo(LetiTokenizer.END_OF_TEXT);
        assertThat(config.get("clean_up_tokenization_spaces").asBoolean(true)).isFalse();
        assertThat(config.get("tokenizer_class").asString()).isEqualTo("PreTrainedTokenizerFast");
        assertThat(config.get("added_tokens_decoder").size()).isEqualTo(3 + 4);
        try (LetiTokenizer again = LetiTokenizer.open(dir.resolve("saved"))) {
            assertThat(again.endOfText()).isZero();
            assertThat(again.size()).isEqualTo(304);
        }
    }

    @Test
    void rejectsASpecialTokenTheVocabularyLacks() throws Exception {
        trained();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertThatThrownBy(() -> LetiTokenizer.open(dir)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("tokenizer_config.json").hasMessageContaining("eos_token \"</s>\"");
    }

    @Test
    void rejectsAConfigIdBeyondTheTokenizer() throws Exception {
        trained();
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [0, 5000]}");
        assertThatThrownBy(() -> LetiTokenizer.open(dir)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("config.json").hasMessageContaining("eos_token_id 5000");
        Files.writeString(dir.resolve("config.json"), "{\"pad_token_id\": \"<pad>\"}");
        assertThatThrownBy(() -> LetiTokenizer.open(dir)).hasMessageContaining("config.json: pad_token_id must be");
    }

    @Test
    void rejectsAddedTokenIdsHuggingFaceWouldRenumber() throws Exception {
        trained();
        Path file = dir.resolve(LetiTokenizer.FILE);
        tools.jackson.databind.node.ObjectNode json = (tools.jackson.databind.node.ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file));
        LetiTokenizer.addedToken((tools.jackson.databind.node.ArrayNode) json.get("added_tokens"), 400, "<gap>");
        Files.writeString(file, Jsonl.MAPPER.writeValueAsString(json));
        assertThatThrownBy(() -> LetiTokenizer.open(dir)).isInstanceOf(WeightsException.class)
                .hasMessageContaining(LetiTokenizer.FILE).hasMessageContaining("\"<gap>\" has id 400");
    }

    @Test
    void rejectsATokenizerLargerThanTheModel() throws Exception {
        trained();
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            tokenizer.save(dir.resolve("saved"));
        }
        LetiTokenizer.checkFits(300, dir.resolve("saved/config.json"));
        assertThatThrownBy(() -> LetiTokenizer.checkFits(299, dir.resolve("saved/config.json")))
                .isInstanceOf(WeightsException.class).hasMessageContaining(LetiTokenizer.FILE)
                .hasMessageContaining("has id 299").hasMessageContaining("vocab_size 299");
    }
}
