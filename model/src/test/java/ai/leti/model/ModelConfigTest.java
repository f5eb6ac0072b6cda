package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.node.ObjectNode;

class ModelConfigTest {

    private static ModelConfig parse(String json) {
        return ModelConfig.parse((ObjectNode) Jsonl.MAPPER.readTree(json), "config.json");
    }

    @Test
    void readsLlamaQwen2AndGpt2Fields() {
        ModelConfig qwen2 = TinyModels.qwen2();
        assertThat(qwen2.family()).isEqualTo(ModelConfig.Family.LLAMA);
        assertThat(qwen2.kvHeads()).isEqualTo(2);
        assertThat(qwen2.qkvBias()).isTrue();
        assertThat(qwen2.tieEmbeddings()).isTrue();
        assertThat(qwen2.ropeTheta()).isEqualTo(1_000_000.0);
        ModelConfig gpt2 = TinyModels.gpt2();
        assertThat(gpt2.family()).isEqualTo(ModelConfig.Family.GPT2);
        assertThat(gpt2.intermediate()).isEqualTo(4 * 32);
        assertThat(TinyModels.llama().withVocabSize(65).json().get("vocab_size").asInt()).isEqualTo(65);
    }

    @Test
    void namesAnUnknownArchitecture() {
        assertThatThrownBy(() -> parse("{\"model_type\": \"bert\", \"vocab_size\": 10}"))
                .isInstanceOf(WeightsException.class).hasMessageContaining("model_type \"bert\" is not supported");
    }

    @Test
    void namesAMissingOrInvalidField() {
        assertThatThrownBy(() -> parse("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 32,"
                + " \"num_attention_heads\": 4, \"intermediate_size\": 64}"))
                .hasMessageContaining("num_hidden_layers");
        assertThatThrownBy(() -> parse("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 30,"
                + " \"num_attention_heads\": 4, \"num_hidden_layers\": 1, \"intermediate_size\": 64}"))
                .hasMessageContaining("not divisible by 4 heads");
        assertThatThrownBy(() -> parse("{\"model_type\": \"gpt2\", \"vocab_size\": 10, \"n_embd\": 32, \"n_head\": 4,"
                + " \"n_layer\": 1, \"n_positions\": 16, \"activation_function\": \"relu\"}"))
                .hasMessageContaining("activation_function relu");
    }
}
