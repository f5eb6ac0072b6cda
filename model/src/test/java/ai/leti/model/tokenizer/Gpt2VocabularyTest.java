package ai.leti.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;

/** GPT-2's two files to Hugging Face's tokenizer files, on a four-merge vocabulary; the real one is in RealTokenizersIT. */
class Gpt2VocabularyTest {

    @TempDir
    Path dir;

    private static final String ENCODER = "{\"d\": 0, \"e\": 1, \"f\": 2, \"Ġ\": 3, \"de\": 4, \"Ġd\": 5, \"Ġde\": 6, \"def\": 7,"
            + " \"<|endoftext|>\": 8}";

    @Test
    void writesTheFilesHuggingFaceGpt2Carries() throws Exception {
        Files.writeString(dir.resolve("encoder.json"), ENCODER);
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\nd e\nĠ d\nĠd e\nde f\n");
        Gpt2Vocabulary.write(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), true, dir.resolve("out"));
        JsonNode json = Jsonl.MAPPER.readTree(Files.readString(dir.resolve("out/tokenizer.json")));
        assertThat(json.get("pre_tokenizer").get("type").asString()).isEqualTo("ByteLevel");
        assertThat(json.get("model").get("merges").valueStream().map(JsonNode::asString).toList())
                .containsExactly("d e", "Ġ d", "Ġd e", "de f");
        JsonNode added = json.get("added_tokens");
        assertThat(added.get(0).get("id").asInt()).isEqualTo(8);
        assertThat(added.get(1).get("content").asString()).isEqualTo(" ".repeat(31));
        assertThat(added.get(1).get("id").asInt()).isEqualTo(9);
        assertThat(added.get(1).get("special").asBoolean()).isFalse();
        assertThat(added.get(38).get("content").asString()).isEqualTo("\t\t");
        assertThat(added.get(38).get("id").asInt()).isEqualTo(9 + 37);
        JsonNode config = Jsonl.MAPPER.readTree(Files.readString(dir.resolve("out/tokenizer_config.json")));
        assertThat(config.get("tokenizer_class").asString()).isEqualTo("CodeGenTokenizer");
        assertThat(config.get("eos_token").asString()).isEqualTo("<|endoftext|>");
        assertThat(config.get("added_tokens_decoder").get("46").get("content").asString()).isEqualTo("\t\t");
        assertThat(Files.exists(dir.resolve("out/special_tokens_map.json"))).isTrue();
    }

    @Test
    void listsCodegenWhitespaceLongestFirstSpacesThenTabs() {
        assertThat(Gpt2Vocabulary.codegenWhitespace()).hasSize(38).startsWith(" ".repeat(31)).contains("  ", "\t".repeat(9))
                .endsWith("\t\t");
        assertThat(Gpt2Vocabulary.codegenWhitespace().indexOf("  ")).isEqualTo(29);
    }

    @Test
    void rejectsAMergeWhoseResultTheVocabularyLacks() throws Exception {
        Files.writeString(dir.resolve("encoder.json"), ENCODER);
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\nd e\ne f\n");
        assertThatThrownBy(() -> Gpt2Vocabulary.write(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), false, dir))
                .isInstanceOf(WeightsException.class).hasMessageContaining("vocab.bpe: line 3: merge \"e f\"");
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\nd e f\n");
        assertThatThrownBy(() -> Gpt2Vocabulary.write(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), false, dir))
                .hasMessageContaining("vocab.bpe: line 2: a merge is two symbols");
    }

    @Test
    void rejectsAnEncoderWithoutEndOfText() throws Exception {
        Files.writeString(dir.resolve("encoder.json"), "{\"d\": 0, \"e\": \"one\"}");
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\n");
        assertThatThrownBy(() -> Gpt2Vocabulary.write(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), false, dir))
                .isInstanceOf(WeightsException.class).hasMessageContaining("encoder.json: token \"e\" must have");
        Files.writeString(dir.resolve("encoder.json"), "{\"d\": 0}");
        assertThatThrownBy(() -> Gpt2Vocabulary.write(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"), false, dir))
                .hasMessageContaining("encoder.json: no <|endoftext|>");
    }
}
