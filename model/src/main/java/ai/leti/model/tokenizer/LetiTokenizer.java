package ai.leti.model.tokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.Feedback;
import ai.leti.common.leti.LetiFormat;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.node.ArrayNode;

/**
 * A checkpoint's tokenizer as Hugging Face's Rust tokenizers run it (through DJL's binding), with LETI's four special
 * tokens added when {@code tokenizer.json} lacks them: as added tokens after the highest id of the vocabulary and
 * the added tokens, so no existing id changes and the model's embedding grows only if they fall beyond it. Its
 * beginning, end, padding and unknown tokens are those {@code tokenizer_config.json} and {@code config.json} name
 * ({@link SpecialTokens}). A save writes what {@code save_pretrained} writes: tokenizer.json with LETI's tokens,
 * tokenizer_config.json and special_tokens_map.json. Decoding never cleans up spaces (transformers does where
 * {@code clean_up_tokenization_spaces} is set): a program must come back byte for byte.
 */
public final class LetiTokenizer implements AutoCloseable, Feedback.Tokens {

    public static final String FILE = "tokenizer.json";
    public static final String GOOD = LetiFormat.GOOD;
    public static final String BAD = LetiFormat.BAD;
    public static final String FEEDBACK_OPEN = LetiFormat.FEEDBACK_OPEN;
    public static final String FEEDBACK_CLOSE = LetiFormat.FEEDBACK_CLOSE;
    public static final List<String> LETI_TOKENS = List.of(GOOD, BAD, FEEDBACK_OPEN, FEEDBACK_CLOSE);
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerJson json;
    private final SpecialTokens specials;

    private LetiTokenizer(HuggingFaceTokenizer tokenizer, TokenizerJson json, SpecialTokens specials) {
        this.tokenizer = tokenizer;
        this.json = json;
        this.specials = specials;
    }

    /**
     * Loads {@code directory/tokenizer.json} (with tokenizer_config.json and config.json where present), adding
     * LETI's tokens if missing.
     */
    public static LetiTokenizer open(Path directory) {
        Path file = directory.resolve(FILE);
        TokenizerJson json = TokenizerJson.read(file);
        SpecialTokens specials = SpecialTokens.read(directory, json);
        for (String token : LETI_TOKENS) {
            if (!json.addedIds().containsKey(token)) {
                json.addSpecial(token);
            }
        }
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(Jsonl.MAPPER.writeValueAsString(json.json()).getBytes(StandardCharsets.UTF_8)),
                    // no truncation: DJL would otherwise cut every encoding at 512 tokens
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new WeightsException(file + ": Hugging Face tokenizers cannot load it: " + e.getMessage(), e);
        }
        try {
            checkAddedIds(tokenizer, json);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new LetiTokenizer(tokenizer, json, specials);
    }

    /**
     * Every added token must encode to the id tokenizer.json gives it. Hugging Face tokenizers numbers added tokens
     * absent from the vocabulary itself, one after another from the vocabulary's end, whatever ids the file states:
     * a file with gaps or out-of-order ids would silently shift them.
     */
    private static void checkAddedIds(HuggingFaceTokenizer tokenizer, TokenizerJson json) {
        List<String> contents = new ArrayList<>(json.addedIds().keySet());
        Encoding[] encodings = tokenizer.batchEncode(contents, false, false);
        for (int i = 0; i < contents.size(); i++) {
            long[] ids = encodings[i].getIds();
            int expected = json.addedIds().get(contents.get(i));
            if (ids.length != 1 || ids[0] != expected) {
                throw new WeightsException(json.file() + ": added_tokens entry \"" + contents.get(i) + "\" has id "
                        + expected + " but Hugging Face tokenizers encodes it as " + Arrays.toString(ids)
                        + " (added tokens outside the vocabulary must take the ids right after it, in order)");
            }
        }
    }

    /**
     * Rejects a tokenizer that does not belong to a model: an id of {@code tokenizer.json} beside
     * {@code configFile} (LETI's own tokens aside, for which a model grows its embedding) at or beyond the model's
     * {@code vocab_size} would index past its embedding.
     */
    public static void checkFits(int modelVocabSize, Path configFile) {
        checkFits(TokenizerJson.read(configFile.resolveSibling(FILE)), modelVocabSize, configFile);
    }

    /** {@link #checkFits(int, Path)} for this tokenizer, without reading its file again. */
    public void checkFitsModel(int modelVocabSize, Path configFile) {
        checkFits(json, modelVocabSize, configFile);
    }

    private static void checkFits(TokenizerJson tokenizer, int modelVocabSize, Path configFile) {
        Map.Entry<String, Integer> highest = tokenizer.highestExcept(LETI_TOKENS);
        if (highest != null && highest.getValue() >= modelVocabSize) {
            throw new WeightsException(tokenizer.file() + ": token \"" + highest.getKey() + "\" has id "
                    + highest.getValue() + ", beyond vocab_size " + modelVocabSize + " of " + configFile
                    + ": the tokenizer does not belong to this model");
        }
    }

    static void addedToken(ArrayNode added, int id, String content) {
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
    }

    /**
     * The highest id + 1, LETI's tokens included: the smallest embedding that holds every token. A model's
     * {@code vocab_size} may be larger (Qwen pads its embedding to a multiple of 128).
     */
    public int size() {
        return json.highest() + 1;
    }

    /** The id of an added token (LETI's, the model's special tokens). */
    public int id(String specialToken) {
        Integer id = json.addedIds().get(specialToken);
        if (id == null) {
            throw new IllegalArgumentException("no special token " + specialToken);
        }
        return id;
    }

    /**
     * The end-of-sequence id, as tokenizer_config.json's {@code eos_token} or config.json's {@code eos_token_id}
     * name it, else {@code <|endoftext|>} where present; -1 when none.
     */
    public int endOfText() {
        return idOf(specials.eos());
    }

    /** Every id that ends a sequence (config.json may list several): {@link #endOfText()} first; empty when none. */
    public List<Integer> endOfSequenceIds() {
        return specials.endIds();
    }

    /** The beginning-of-sequence id, or -1 when the tokenizer has none (Qwen's). */
    public int bos() {
        return idOf(specials.bos());
    }

    /** The padding id, or -1 when none is named. */
    public int pad() {
        return idOf(specials.pad());
    }

    /** The unknown-token id, or -1 (byte-level tokenizers have none: every byte has a token). */
    public int unk() {
        return idOf(specials.unk());
    }

    private int idOf(String token) {
        return token == null ? -1 : json.id(token);
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[i] = (int) ids[i];
        }
        return tokens;
    }

    /** A whole training text: its tokens, then end-of-sequence (if the tokenizer has one), so a model learns to stop. */
    public int[] encodeDocument(String text) {
        int[] ids = encode(text);
        if (endOfText() < 0) {
            return ids;
        }
        int[] ended = Arrays.copyOf(ids, ids.length + 1);
        ended[ids.length] = endOfText();
        return ended;
    }

    @Override
    public String decode(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return tokenizer.decode(ids, false);
    }

    /**
     * Writes the tokenizer into a checkpoint directory as {@code save_pretrained} would: tokenizer.json with LETI's
     * tokens, tokenizer_config.json and special_tokens_map.json.
     */
    public void save(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(FILE), Jsonl.MAPPER.writeValueAsString(json.json()));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + directory.resolve(FILE) + ": " + e.getMessage(), e);
        }
        PretrainedFiles.write(directory, json, specials, LETI_TOKENS);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
