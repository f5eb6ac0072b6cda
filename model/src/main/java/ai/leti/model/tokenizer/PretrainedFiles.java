package ai.leti.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the two files beside {@code tokenizer.json} that Hugging Face's {@code save_pretrained} writes for a
 * tokenizer: {@code tokenizer_config.json} (the source's fields kept; every added token in
 * {@code added_tokens_decoder} by id; LETI's tokens appended to {@code additional_special_tokens}) and
 * {@code special_tokens_map.json} (the named special tokens as AddedToken objects and the additional ones), so
 * transformers and transformers.js load a LETI checkpoint's tokenizer with the same special tokens.
 */
final class PretrainedFiles {

    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    /** The named special tokens transformers keeps (its SPECIAL_TOKENS_ATTRIBUTES, less the additional ones). */
    private static final List<String> NAMED = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    private PretrainedFiles() {
    }

    static void write(Path directory, TokenizerJson tokenizer, SpecialTokens specials, List<String> additional) {
        ObjectNode config = tokenizerConfig(tokenizer, specials, additional);
        ObjectNode map = Jsonl.MAPPER.createObjectNode();
        for (String name : NAMED) {
            String token = SpecialTokens.content(config.get(name));
            if (token != null) {
                map.set(name, addedTokenObject(addedToken(tokenizer, token), token, false));
            }
        }
        ArrayNode extra = map.putArray("additional_special_tokens");
        config.path("additional_special_tokens").forEach(token -> extra.add(SpecialTokens.content(token)));
        writeJson(directory.resolve(SpecialTokens.CONFIG_FILE), config);
        writeJson(directory.resolve(SPECIAL_TOKENS_MAP), sorted(map));
    }

    private static ObjectNode tokenizerConfig(TokenizerJson tokenizer, SpecialTokens specials, List<String> additional) {
        ObjectNode config = specials.config() == null ? Jsonl.MAPPER.createObjectNode() : specials.config().deepCopy();
        // what transformers writes for a tokenizer it knows only from tokenizer.json; code must decode unchanged
        if (!config.has("tokenizer_class")) {
            config.put("tokenizer_class", "PreTrainedTokenizerFast");
        }
        if (!config.has("clean_up_tokenization_spaces")) {
            config.put("clean_up_tokenization_spaces", false);
        }
        String[] resolved = {specials.bos(), specials.eos(), specials.pad(), specials.unk()};
        for (int i = 0; i < resolved.length; i++) {
            if (!config.has(SpecialTokens.NAMES.get(i)) && resolved[i] != null) {
                config.put(SpecialTokens.NAMES.get(i), resolved[i]);
            }
        }
        Map<Integer, JsonNode> decoder = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : config.path("added_tokens_decoder").properties()) {
            try {
                decoder.put(Integer.parseInt(entry.getKey()), entry.getValue());
            } catch (NumberFormatException e) {
                throw new WeightsException(SpecialTokens.CONFIG_FILE + ": added_tokens_decoder key \"" + entry.getKey()
                        + "\" is not a token id", e);
            }
        }
        for (JsonNode token : tokenizer.added()) {
            decoder.putIfAbsent(token.get("id").asInt(), addedTokenObject(token, token.get("content").asString(), true));
        }
        ObjectNode decoderJson = Jsonl.MAPPER.createObjectNode();
        decoder.forEach((id, token) -> decoderJson.set(Integer.toString(id), token));
        config.set("added_tokens_decoder", decoderJson);
        List<String> present = new ArrayList<>();
        ArrayNode extra = config.has("additional_special_tokens") && config.get("additional_special_tokens").isArray()
                ? (ArrayNode) config.get("additional_special_tokens") : config.putArray("additional_special_tokens");
        extra.forEach(token -> present.add(SpecialTokens.content(token)));
        for (String token : additional) {
            if (!present.contains(token)) {
                extra.add(token);
            }
        }
        return sorted(config);
    }

    private static JsonNode addedToken(TokenizerJson tokenizer, String content) {
        for (JsonNode token : tokenizer.added()) {
            if (content.equals(token.get("content").asString())) {
                return token;
            }
        }
        return null;
    }

    /**
     * An AddedToken as transformers serialises it, with tokenizer.json's flags where {@code source} is an added
     * token ({@code special} only in the decoder).
     */
    private static ObjectNode addedTokenObject(JsonNode source, String content, boolean withSpecial) {
        ObjectNode object = Jsonl.MAPPER.createObjectNode();
        object.put("content", content);
        object.put("lstrip", source != null && source.path("lstrip").asBoolean(false));
        object.put("normalized", source != null && source.path("normalized").asBoolean(false));
        object.put("rstrip", source != null && source.path("rstrip").asBoolean(false));
        object.put("single_word", source != null && source.path("single_word").asBoolean(false));
        if (withSpecial) {
            object.put("special", source == null || source.path("special").asBoolean(false));
        }
        return object;
    }

    /** Keys in order, as Python's {@code json.dumps(sort_keys=True)} writes them (the decoder's ids stay numeric). */
    private static ObjectNode sorted(ObjectNode object) {
        ObjectNode sorted = Jsonl.MAPPER.createObjectNode();
        Map<String, JsonNode> properties = new TreeMap<>();
        object.properties().forEach(e -> properties.put(e.getKey(), e.getValue()));
        properties.forEach(sorted::set);
        return sorted;
    }

    private static void writeJson(Path file, ObjectNode json) {
        try {
            Files.writeString(file, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new WeightsException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
