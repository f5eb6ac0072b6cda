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
        ModelConfig codegen = TinyModels.codegen();
        assertThat(codegen.family()).isEqualTo(ModelConfig.Family.CODEGEN);
        assertThat(codegen.rotaryDim()).isEqualTo(4);
        assertThat(codegen.intermediate()).as("n_inner null: 4 n_embd").isEqualTo(4 * 64);
        assertThat(codegen.tieEmbeddings()).isFalse();
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

    /** CodeGen-350M-mono's config.json as Hugging Face serves it. */
    @Test
    void readsTheCodegen350MConfig() {
        ModelConfig config = parse("{\"activation_function\": \"gelu_new\", \"architectures\": [\"CodeGenForCausalLM\"],"
                + " \"attn_pdrop\": 0.0, \"bos_token_id\": 1, \"embd_pdrop\": 0.0, \"eos_token_id\": 50256,"
                + " \"gradient_checkpointing\": false, \"initializer_range\": 0.02, \"layer_norm_epsilon\": 1e-05,"
                + " \"model_type\": \"codegen\", \"n_ctx\": 2048, \"n_embd\": 1024, \"n_head\": 16, \"n_inner\": null,"
                + " \"n_layer\": 20, \"n_positions\": 2048, \"resid_pdrop\": 0.0, \"rotary_dim\": 32,"
                + " \"scale_attn_weights\": true, \"tie_word_embeddings\": false, \"torch_dtype\": \"float16\","
                + " \"transformers_version\": \"4.21.0.dev0\", \"use_cache\": true, \"vocab_size\": 51200}");
        assertThat(config.headDim()).isEqualTo(64);
        assertThat(config.rotaryDim()).isEqualTo(32);
        assertThat(config.intermediate()).isEqualTo(4096);
        assertThat(config.maxPositions()).isEqualTo(2048);
    }

    @Test
    void namesWhatItCannotRun() {
        assertThatThrownBy(() -> parse("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 32,"
                + " \"num_attention_heads\": 4, \"num_hidden_layers\": 1, \"intermediate_size\": 64,"
                + " \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}}"))
                .isInstanceOf(WeightsException.class).hasMessageContaining("config.json: field rope_scaling");
        assertThatThrownBy(() -> parse("{\"model_type\": \"llama\", \"vocab_size\": 10, \"hidden_size\": 32,"
                + " \"num_attention_heads\": 4, \"num_hidden_layers\": 1, \"intermediate_size\": 64, \"head_dim\": 16}"))
                .hasMessageContaining("field head_dim 16");
        assertThatThrownBy(() -> parse("{\"model_type\": \"codegen\", \"vocab_size\": 10, \"n_embd\": 36, \"n_head\": 6,"
                + " \"n_layer\": 1, \"n_positions\": 16, \"rotary_dim\": 2}"))
                .hasMessageContaining("field n_head 6 is not divisible by CodeGen's 4");
        assertThatThrownBy(() -> parse("{\"model_type\": \"codegen\", \"vocab_size\": 10, \"n_embd\": 32, \"n_head\": 4,"
                + " \"n_layer\": 1, \"n_positions\": 16}"))
                .as("rotary_dim defaults to 64, wider than these 8-wide heads").hasMessageContaining("field rotary_dim 64");
        assertThat(parse("{\"model_type\": \"qwen2\", \"vocab_size\": 10, \"hidden_size\": 32, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 1, \"intermediate_size\": 64, \"rope_scaling\": null}").family())
                .isEqualTo(ModelConfig.Family.LLAMA);
    }
}
