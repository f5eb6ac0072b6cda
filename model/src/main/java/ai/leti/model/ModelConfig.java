package ai.leti.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A decoder's shape as Hugging Face's {@code config.json} states it, normalised across families.
 * The original JSON is kept so a saved checkpoint's config differs only in what training changed.
 *
 * @param kvHeads   key/value heads (grouped-query attention); equals {@code heads} without GQA
 * @param qkvBias   biases on the q, k and v projections (Qwen2; Llama's {@code attention_bias})
 * @param generation the checkpoint's {@code generation_config.json}, or null when it had none
 * @param rotaryDim how many leading dimensions of each head the rotary embedding turns (CodeGen's
 *                  {@code rotary_dim}; the whole head for Llama, none for GPT-2's learned positions)
 */
public record ModelConfig(
        Family family,
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int intermediate,
        double normEps,
        double ropeTheta,
        int maxPositions,
        boolean tieEmbeddings,
        boolean qkvBias,
        int rotaryDim,
        ObjectNode json,
        ObjectNode generation) {

    public static final String FILE = "config.json";
    public static final String GENERATION_FILE = "generation_config.json";

    /**
     * CodeGen's {@code mp_num}: its fused {@code qkv_proj} rows are four blocks (the TPU-v4 cores it was trained
     * on), each holding that block's q, v and k rows in that order.
     */
    public static final int CODEGEN_SHARDS = 4;

    public int headDim() {
        return hidden / heads;
    }

    /** {@code config.json} of a checkpoint directory, with its {@code generation_config.json} if it has one. */
    public static ModelConfig read(Path directory) {
        Path file = directory.resolve(FILE);
        try {
            ModelConfig config = parse((ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file)), file.toString());
            Path generation = directory.resolve(GENERATION_FILE);
            if (!Files.exists(generation)) {
                return config;
            }
            file = generation;
            return config.withGeneration((ObjectNode) Jsonl.MAPPER.readTree(Files.readString(generation)));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ClassCastException | tools.jackson.core.JacksonException e) {
            throw new WeightsException(file + ": not a JSON object", e);
        }
    }

    public static ModelConfig parse(ObjectNode json, String where) {
        String type = json.path("model_type").asString("");
        Family family = Family.of(type, where);
        return switch (family) {
            case LLAMA -> {
                int hidden = required(json, "hidden_size", where);
                int heads = required(json, "num_attention_heads", where);
                JsonNode scaling = json.path("rope_scaling");
                String scalingType = scaling.path("rope_type").asString(scaling.path("type").asString("default"));
                if (scaling.isObject() && !scaling.isEmpty() && !scalingType.equals("default")) {
                    throw new WeightsException(where + ": field rope_scaling " + scaling + " is not supported (only"
                            + " plain rotary positions are: rope_scaling null or {\"rope_type\": \"default\"})");
                }
                if (json.path("head_dim").isNumber() && json.get("head_dim").asInt() != hidden / heads) {
                    throw new WeightsException(where + ": field head_dim " + json.get("head_dim") + " differs from"
                            + " hidden_size / num_attention_heads = " + hidden / heads + ", which is not supported");
                }
                boolean qwen2 = type.equals("qwen2");
                ModelConfig config = new ModelConfig(family, required(json, "vocab_size", where), hidden,
                        required(json, "num_hidden_layers", where), heads,
                        json.path("num_key_value_heads").asInt(heads), required(json, "intermediate_size", where),
                        json.path("rms_norm_eps").asDouble(1e-6), json.path("rope_theta").asDouble(10000.0),
                        json.path("max_position_embeddings").asInt(2048),
                        json.path("tie_word_embeddings").asBoolean(false),
                        qwen2 || json.path("attention_bias").asBoolean(false), hidden / heads, json, null);
                yield config.validated(where);
            }
            case GPT2 -> {
                int hidden = required(json, "n_embd", where);
                int heads = required(json, "n_head", where);
                requireGeluNew(json, where);
                ModelConfig config = new ModelConfig(family, required(json, "vocab_size", where), hidden,
                        required(json, "n_layer", where), heads, heads,
                        json.path("n_inner").isNumber() ? json.get("n_inner").asInt() : 4 * hidden,
                        json.path("layer_norm_epsilon").asDouble(1e-5), 0, required(json, "n_positions", where),
                        true, true, 0, json, null);
                yield config.validated(where);
            }
            case CODEGEN -> {
                int hidden = required(json, "n_embd", where);
                int heads = required(json, "n_head", where);
                requireGeluNew(json, where);
                int rotaryDim = json.has("rotary_dim") ? required(json, "rotary_dim", where) : 64; // CodeGenConfig's default
                ModelConfig config = new ModelConfig(family, required(json, "vocab_size", where), hidden,
                        required(json, "n_layer", where), heads, heads,
                        json.path("n_inner").isNumber() ? json.get("n_inner").asInt() : 4 * hidden,
                        json.path("layer_norm_epsilon").asDouble(1e-5), 10000.0, required(json, "n_positions", where),
                        json.path("tie_word_embeddings").asBoolean(false), false, rotaryDim, json, null);
                yield config.validated(where);
            }
        };
    }

    private ModelConfig validated(String where) {
        if (hidden % heads != 0) {
            throw new WeightsException(where + ": hidden size " + hidden + " is not divisible by " + heads + " heads");
        }
        if (heads % kvHeads != 0) {
            throw new WeightsException(where + ": num_key_value_heads " + kvHeads + " does not divide " + heads + " heads");
        }
        if (family == Family.LLAMA && headDim() % 2 != 0) {
            throw new WeightsException(where + ": rotary embeddings need an even head dimension, got " + headDim());
        }
        if (family == Family.CODEGEN) {
            if (heads % CODEGEN_SHARDS != 0) {
                throw new WeightsException(where + ": field n_head " + heads + " is not divisible by CodeGen's "
                        + CODEGEN_SHARDS + " qkv_proj shards (mp_num)");
            }
            if (rotaryDim % 2 != 0 || rotaryDim > headDim()) {
                throw new WeightsException(where + ": field rotary_dim " + rotaryDim + " must be even and at most the head"
                        + " dimension " + headDim());
            }
            if (tieEmbeddings) {
                throw new WeightsException(where + ": field tie_word_embeddings true is not supported for CodeGen"
                        + " (its lm_head has a bias of its own)");
            }
        }
        return this;
    }

    /** GPT-2 and CodeGen: the tanh GELU is the one activation implemented. */
    private static void requireGeluNew(JsonNode json, String where) {
        String activation = json.path("activation_function").asString("gelu_new");
        if (!activation.equals("gelu_new")) {
            throw new WeightsException(where + ": activation_function " + activation + " is not supported (gelu_new is)");
        }
    }

    private static int required(JsonNode json, String field, String where) {
        JsonNode value = json.get(field);
        if (value == null || !value.isIntegralNumber() || value.asInt() <= 0) {
            throw new WeightsException(where + ": field " + field + " must be a positive integer, got " + value);
        }
        return value.asInt();
    }

    private ModelConfig withGeneration(ObjectNode generationConfig) {
        return new ModelConfig(family, vocabSize, hidden, layers, heads, kvHeads, intermediate, normEps, ropeTheta,
                maxPositions, tieEmbeddings, qkvBias, rotaryDim, json, generationConfig);
    }

    /**
     * This config with the special tokens' ids a tokenizer gives where {@code config.json} states none
     * ({@code bos_token_id}, {@code eos_token_id}, {@code pad_token_id}; ids below 0 mean the tokenizer has none).
     * Ids the checkpoint states are its authors' and stay.
     */
    public ModelConfig withMissingSpecialTokens(int bos, int eos, int pad) {
        ObjectNode copy = json.deepCopy();
        String[] fields = {"bos_token_id", "eos_token_id", "pad_token_id"};
        int[] ids = {bos, eos, pad};
        for (int i = 0; i < fields.length; i++) {
            if (ids[i] >= 0 && (!copy.has(fields[i]) || copy.get(fields[i]).isNull())) {
                copy.put(fields[i], ids[i]);
            }
        }
        return new ModelConfig(family, vocabSize, hidden, layers, heads, kvHeads, intermediate, normEps, ropeTheta,
                maxPositions, tieEmbeddings, qkvBias, rotaryDim, copy, generation);
    }

    /** This config with another vocabulary size (after special tokens were added), JSON included. */
    public ModelConfig withVocabSize(int size) {
        ObjectNode copy = json.deepCopy();
        copy.put("vocab_size", size);
        return new ModelConfig(family, size, hidden, layers, heads, kvHeads, intermediate, normEps, ropeTheta,
                maxPositions, tieEmbeddings, qkvBias, rotaryDim, copy, generation);
    }

    /**
     * Writes {@code config.json} for weights saved in {@code dtype}: the original fields, with {@code torch_dtype}
     * naming that dtype and {@code architectures} filled in if the source lacked it, as transformers expects.
     */
    public void write(Path directory, ai.leti.model.weights.DType dtype) {
        ObjectNode out = json.deepCopy();
        out.put("torch_dtype", dtype.torchName());
        if (!out.path("architectures").isArray() || out.get("architectures").isEmpty()) {
            out.putArray("architectures").add(switch (json.path("model_type").asString("")) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                case "gpt2" -> "GPT2LMHeadModel";
                case "codegen" -> "CodeGenForCausalLM";
                default -> "LlamaForCausalLM";
            });
        }
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(FILE), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            Files.writeString(directory.resolve(GENERATION_FILE),
                    Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(generationConfig(out)));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + directory.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The checkpoint's own {@code generation_config.json} (token ids it lacks taken from config.json), or else one
     * derived from config.json as transformers' {@code GenerationConfig.from_model_config} derives it.
     */
    private ObjectNode generationConfig(ObjectNode config) {
        ObjectNode out = generation != null ? generation.deepCopy() : Jsonl.MAPPER.createObjectNode();
        if (generation == null) {
            out.put("_from_model_config", true);
        }
        for (String field : new String[] {"bos_token_id", "eos_token_id", "pad_token_id"}) {
            if (!out.has(field) && config.has(field) && !config.get(field).isNull()) {
                out.set(field, config.get(field).deepCopy());
            }
        }
        if (!out.has("transformers_version") && config.has("transformers_version")) {
            out.set("transformers_version", config.get("transformers_version").deepCopy());
        }
        return out;
    }

    /** The model families this project implements. */
    public enum Family {
        /** Llama-style: RMSNorm, rotary positions, grouped-query attention, SwiGLU (llama, qwen2, mistral). */
        LLAMA,
        /** GPT-2 style: LayerNorm, learned positions, fused qkv, GELU MLP, tied output layer. */
        GPT2,
        /**
         * CodeGen (the LETI paper's model): GPT-J's block, attention and MLP in parallel from one LayerNorm,
         * partial rotary positions over interleaved pairs, fused qkv in four blocks, an output layer with a bias.
         */
        CODEGEN;

        static Family of(String modelType, String where) {
            return switch (modelType) {
                case "llama", "qwen2", "mistral" -> LLAMA;
                case "gpt2" -> GPT2;
                case "codegen" -> CODEGEN;
                default -> throw new WeightsException(where + ": model_type \"" + modelType
                        + "\" is not supported (llama, qwen2, mistral, gpt2, codegen are)");
            };
        }
    }
}
