package ai.leti.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face {@code tokenizer.json} read as JSON: which id each token has (the model's vocabulary, then the
 * added tokens) and the highest id, so tokens can be added after it and special tokens named elsewhere resolved.
 */
final class TokenizerJson {

    private final Path file;
    private final ObjectNode json;
    private final ArrayNode added;
    private final Map<String, Integer> ids = new LinkedHashMap<>();
    private final Map<String, Integer> addedIds = new LinkedHashMap<>();
    private final Map<Integer, String> tokens = new java.util.HashMap<>();
    private int highest = -1;

    private TokenizerJson(Path file, ObjectNode json) {
        this.file = file;
        this.json = json;
        JsonNode existing = json.get("added_tokens");
        if (existing != null && !existing.isNull() && !existing.isArray()) {
            throw new WeightsException(file + ": added_tokens must be an array");
        }
        this.added = existing != null && existing.isArray() ? (ArrayNode) existing : json.putArray("added_tokens");
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                put(entry.getKey(), id(entry.getValue(), "model.vocab[\"" + entry.getKey() + "\"]"));
            }
        } else if (vocab.isArray()) {
            // Unigram: [piece, score] pairs, the id is the position
            for (int i = 0; i < vocab.size(); i++) {
                put(vocab.get(i).path(0).asString(), i);
            }
        } else {
            throw new WeightsException(file + ": model.vocab is missing (expected an object of token ids)");
        }
        for (int i = 0; i < added.size(); i++) {
            JsonNode token = added.get(i);
            String content = token.path("content").isString() ? token.get("content").asString() : null;
            if (content == null) {
                throw new WeightsException(file + ": added_tokens[" + i + "].content must be a string");
            }
            int id = id(token.get("id"), "added_tokens[" + i + "].id");
            put(content, id);
            addedIds.put(content, id);
        }
    }

    /**
     * The skeleton of a byte-level BPE {@code tokenizer.json} as Hugging Face writes GPT-2's: an empty
     * {@code added_tokens} array and a {@code model} without {@code vocab} and {@code merges}, for the caller to fill.
     * {@code postProcessor}: GPT-2's ByteLevel post-processor, or none.
     */
    static ObjectNode byteLevelBpe(boolean postProcessor) {
        ObjectNode root = Jsonl.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        if (postProcessor) {
            root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true)
                    .put("trim_offsets", false).put("use_regex", true);
        } else {
            root.putNull("post_processor");
        }
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        return root;
    }

    static TokenizerJson read(Path file) {
        try {
            return new TokenizerJson(file, (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file)));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ClassCastException | tools.jackson.core.JacksonException e) {
            throw new WeightsException(file + ": not a tokenizer.json object", e);
        }
    }

    private int id(JsonNode value, String field) {
        if (value == null || !value.isIntegralNumber() || value.asInt() < 0) {
            throw new WeightsException(file + ": " + field + " must be a non-negative integer id, got " + value);
        }
        return value.asInt();
    }

    private void put(String token, int id) {
        ids.put(token, id);
        tokens.putIfAbsent(id, token);
        highest = Math.max(highest, id);
    }

    /** Adds {@code content} as a special added token after the highest id of vocabulary and added tokens alike. */
    int addSpecial(String content) {
        int id = highest + 1;
        LetiTokenizer.addedToken(added, id, content);
        put(content, id);
        addedIds.put(content, id);
        return id;
    }

    Path file() {
        return file;
    }

    ObjectNode json() {
        return json;
    }

    /** The {@code added_tokens} entries, as {@code tokenizer.json} lists them. */
    ArrayNode added() {
        return added;
    }

    /** Added tokens by content (their ids, which the vocabulary may share). */
    Map<String, Integer> addedIds() {
        return addedIds;
    }

    /** The id of a token of the vocabulary or an added token, or -1. */
    int id(String token) {
        return ids.getOrDefault(token, -1);
    }

    /** The token with this id, or null. */
    String token(int id) {
        return tokens.get(id);
    }

    int highest() {
        return highest;
    }

    /** The highest id of a token not among {@code except}, and that token. */
    Map.Entry<String, Integer> highestExcept(Collection<String> except) {
        Map.Entry<String, Integer> best = null;
        for (Map.Entry<String, Integer> entry : ids.entrySet()) {
            if (!except.contains(entry.getKey()) && (best == null || entry.getValue() > best.getValue())) {
                best = entry;
            }
        }
        return best;
    }
}
