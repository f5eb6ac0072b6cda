package ai.leti.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ai.leti.common.json.Jsonl;
import ai.leti.model.ModelConfig;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A checkpoint's beginning-of-sequence, end-of-sequence, padding and unknown tokens, as Hugging Face states them:
 * by name in {@code tokenizer_config.json} ({@code bos_token}, ... as a string or a {@code {"content": ...}}
 * object), by id in {@code config.json} ({@code bos_token_id}, {@code eos_token_id} as an id or a list of ids,
 * {@code pad_token_id}). A name in tokenizer_config.json wins, since it is what the tokenizer itself reports;
 * config.json fills what it leaves out; without either, end-of-sequence is {@code <|endoftext|>} if the
 * vocabulary has it (GPT-2's convention and the project's own tokenizer). A name or id the tokenizer lacks is
 * an error that names the file and field. A negative id in config.json means none (older configs write -1).
 *
 * @param bos      the beginning-of-sequence token, or null
 * @param eos      the end-of-sequence token, or null
 * @param pad      the padding token, or null
 * @param unk      the unknown token, or null
 * @param endIds   every id that ends a sequence: eos's first, then config.json's {@code eos_token_id} list
 * @param config   tokenizer_config.json as read (null if the directory has none), kept so a save changes only
 *                 what LETI adds
 */
record SpecialTokens(String bos, String eos, String pad, String unk, List<Integer> endIds, ObjectNode config) {

    static final String CONFIG_FILE = "tokenizer_config.json";
    static final List<String> NAMES = List.of("bos_token", "eos_token", "pad_token", "unk_token");

    static SpecialTokens read(Path directory, TokenizerJson tokenizer) {
        Path configFile = directory.resolve(CONFIG_FILE);
        ObjectNode config = Files.exists(configFile) ? object(configFile) : null;
        Path modelFile = directory.resolve(ModelConfig.FILE);
        ObjectNode model = Files.exists(modelFile) ? object(modelFile) : null;

        String[] named = new String[NAMES.size()];
        for (int i = 0; i < named.length; i++) {
            named[i] = config == null ? null : named(config, NAMES.get(i), configFile, tokenizer);
        }
        List<Integer> configEnds = model == null ? List.of() : ids(model, "eos_token_id", modelFile, tokenizer);
        if (named[0] == null && model != null) {
            named[0] = first(ids(model, "bos_token_id", modelFile, tokenizer), tokenizer);
        }
        if (named[1] == null) {
            named[1] = configEnds.isEmpty()
                    ? (tokenizer.id(LetiTokenizer.END_OF_TEXT) >= 0 ? LetiTokenizer.END_OF_TEXT : null)
                    : first(configEnds, tokenizer);
        }
        if (named[2] == null && model != null) {
            named[2] = first(ids(model, "pad_token_id", modelFile, tokenizer), tokenizer);
        }
        if (named[3] == null) {
            JsonNode unk = tokenizer.json().path("model").path("unk_token");
            named[3] = unk.isString() && tokenizer.id(unk.asString()) >= 0 ? unk.asString() : null;
        }
        List<Integer> ends = new ArrayList<>();
        if (named[1] != null) {
            ends.add(tokenizer.id(named[1]));
        }
        for (int id : configEnds) {
            if (!ends.contains(id)) {
                ends.add(id);
            }
        }
        return new SpecialTokens(named[0], named[1], named[2], named[3], List.copyOf(ends), config);
    }

    private static ObjectNode object(Path file) {
        try {
            return (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ClassCastException | tools.jackson.core.JacksonException e) {
            throw new WeightsException(file + ": not a JSON object", e);
        }
    }

    /** A token named by a string or a {@code {"content": ...}} object (transformers' AddedToken), or null. */
    static String content(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isString()) {
            return value.asString();
        }
        return value.isObject() && value.path("content").isString() ? value.get("content").asString() : null;
    }

    private static String named(ObjectNode config, String field, Path file, TokenizerJson tokenizer) {
        JsonNode value = config.get(field);
        String token = content(value);
        if (token == null && value != null && !value.isNull()) {
            throw new WeightsException(file + ": " + field + " must be a token string or an object with a content"
                    + " string, got " + value);
        }
        if (token != null && tokenizer.id(token) < 0) {
            throw new WeightsException(file + ": " + field + " \"" + token + "\" is not in the vocabulary or the"
                    + " added tokens of " + tokenizer.file());
        }
        return token;
    }

    private static List<Integer> ids(ObjectNode model, String field, Path file, TokenizerJson tokenizer) {
        JsonNode value = model.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        List<JsonNode> values = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(values::add);
        } else {
            values.add(value);
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : values) {
            if (!id.isIntegralNumber()) {
                throw new WeightsException(file + ": " + field + " must be a token id or a list of token ids, got "
                        + value);
            }
            if (id.asInt() < 0) {
                continue;
            }
            if (tokenizer.token(id.asInt()) == null) {
                throw new WeightsException(file + ": " + field + " " + id.asInt() + " is not an id of "
                        + tokenizer.file() + " (highest id " + tokenizer.highest() + ")");
            }
            ids.add(id.asInt());
        }
        return ids;
    }

    private static String first(List<Integer> ids, TokenizerJson tokenizer) {
        return ids.isEmpty() ? null : tokenizer.token(ids.get(0));
    }
}
