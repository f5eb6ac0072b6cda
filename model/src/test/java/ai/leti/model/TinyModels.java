package ai.leti.model;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.node.ObjectNode;

/** Small configs of each family for tests: two layers, tiny widths, a 61-token vocabulary. */
public final class TinyModels {

    public static final int VOCAB = 61;

    private TinyModels() {
    }

    public static ModelConfig llama() {
        return config("{\"model_type\": \"llama\", \"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 61,"
                + " \"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 4, \"rms_norm_eps\": 1e-5, \"rope_theta\": 10000.0,"
                + " \"max_position_embeddings\": 64, \"tie_word_embeddings\": false}");
    }

    /** Qwen2: grouped-query attention (4 query heads share 2 key/value heads), q/k/v biases, tied output. */
    public static ModelConfig qwen2() {
        return config("{\"model_type\": \"qwen2\", \"architectures\": [\"Qwen2ForCausalLM\"], \"vocab_size\": 61,"
                + " \"hidden_size\": 32, \"intermediate_size\": 40, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 2, \"rms_norm_eps\": 1e-6, \"rope_theta\": 1000000.0,"
                + " \"max_position_embeddings\": 64, \"tie_word_embeddings\": true}");
    }

    public static ModelConfig gpt2() {
        return config("{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"], \"vocab_size\": 61,"
                + " \"n_embd\": 32, \"n_layer\": 2, \"n_head\": 4, \"n_positions\": 64, \"layer_norm_epsilon\": 1e-5,"
                + " \"activation_function\": \"gelu_new\"}");
    }

    /**
     * CodeGen: 8 heads in CodeGen's 4 qkv blocks (2 heads each), rotary on 4 of each head's 8 dimensions, an
     * untied output layer with a bias.
     */
    public static ModelConfig codegen() {
        return config("{\"model_type\": \"codegen\", \"architectures\": [\"CodeGenForCausalLM\"], \"vocab_size\": 61,"
                + " \"n_embd\": 64, \"n_layer\": 2, \"n_head\": 8, \"rotary_dim\": 4, \"n_positions\": 64, \"n_ctx\": 64,"
                + " \"n_inner\": null, \"layer_norm_epsilon\": 1e-5, \"activation_function\": \"gelu_new\","
                + " \"tie_word_embeddings\": false, \"bos_token_id\": 1, \"eos_token_id\": 60}");
    }

    private static ModelConfig config(String json) {
        return ModelConfig.parse((ObjectNode) Jsonl.MAPPER.readTree(json), "test config");
    }
}
