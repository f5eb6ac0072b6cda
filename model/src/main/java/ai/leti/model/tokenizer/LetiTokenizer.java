package ai.leti.model.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.LetiFormat;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizers binding, with LETI's four special
 * tokens added when the file lacks them (as added tokens after the highest id, so the model's embedding grows
 * only if they fall beyond it). The augmented JSON is what a saved checkpoint carries.
 */
public final class LetiTokenizer implements AutoCloseable {

    public static final String FILE = "tokenizer.json";
    public static final String GOOD = LetiFormat.GOOD;
    public static final String BAD = LetiFormat.BAD;
    public static final String FEEDBACK_OPEN = LetiFormat.FEEDBACK_OPEN;
    public static final String FEEDBACK_CLOSE = LetiFormat.FEEDBACK_CLOSE;
    public static final List<String> LETI_TOKENS = List.of(GOOD, BAD, FEEDBACK_OPEN, FEEDBACK_CLOSE);
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final HuggingFaceTokenizer tokenizer;
    private final ObjectNode json;
    private final Map<String, Integer> specialIds;
    private final int size;

    private LetiTokenizer(HuggingFaceTokenizer tokenizer, ObjectNode json, Map<String, Integer> specialIds, int size) {
        this.tokenizer = tokenizer;
        this.json = json;
        this.specialIds = specialIds;
        this.size = size;
    }

    /** Loads {@code directory/tokenizer.json}, adding LETI's tokens if missing. */
    public static LetiTokenizer open(Path directory) {
        Path file = directory.resolve(FILE);
        ObjectNode json;
        try {
            json = (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ClassCastException | tools.jackson.core.JacksonException e) {
            throw new WeightsException(file + ": not a tokenizer.json object", e);
        }
        ArrayNode added = json.has("added_tokens") && json.get("added_tokens").isArray()
                ? (ArrayNode) json.get("added_tokens") : json.putArray("added_tokens");
        Map<String, Integer> ids = new java.util.LinkedHashMap<>();
        int highest = -1;
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                highest = Math.max(highest, entry.getValue().asInt());
            }
        }
        for (JsonNode token : added) {
            highest = Math.max(highest, token.path("id").asInt());
            ids.put(token.path("content").asString(), token.path("id").asInt());
        }
        for (String token : LETI_TOKENS) {
            if (!ids.containsKey(token)) {
                highest++;
                addedToken(added, highest, token);
                ids.put(token, highest);
            }
        }
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(Jsonl.MAPPER.writeValueAsString(json).getBytes(StandardCharsets.UTF_8)),
                    // no truncation: DJL would otherwise cut every encoding at 512 tokens
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            return new LetiTokenizer(tokenizer, json, ids, highest + 1);
        } catch (IOException | RuntimeException e) {
            throw new WeightsException(file + ": Hugging Face tokenizers cannot load it: " + e.getMessage(), e);
        }
    }

    static void addedToken(ArrayNode added, int id, String content) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
    }

    /** Ids + 1 of the highest token: the smallest embedding that holds them all. */
    public int size() {
        return size;
    }

    public int id(String specialToken) {
        Integer id = specialIds.get(specialToken);
        if (id == null) {
            throw new IllegalArgumentException("no special token " + specialToken);
        }
        return id;
    }

    /** The end-of-sequence id: {@code <|endoftext|>} where present, else none (-1). */
    public int endOfText() {
        return specialIds.getOrDefault(END_OF_TEXT, -1);
    }

    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[i] = (int) ids[i];
        }
        return tokens;
    }

    /** A whole training text: its tokens, then end-of-text (if the vocabulary has it), so a model learns to stop. */
    public int[] encodeDocument(String text) {
        int[] ids = encode(text);
        if (endOfText() < 0) {
            return ids;
        }
        int[] ended = Arrays.copyOf(ids, ids.length + 1);
        ended[ids.length] = endOfText();
        return ended;
    }

    public String decode(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return tokenizer.decode(ids, false);
    }

    /** Writes the tokenizer, LETI's tokens included, into a checkpoint directory. */
    public void save(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(FILE), Jsonl.MAPPER.writeValueAsString(json));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + directory.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
