package ai.leti.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns GPT-2's original vocabulary files ({@code encoder.json}, {@code vocab.bpe}) into the Hugging Face
 * {@code tokenizer.json} (and tokenizer_config.json, special_tokens_map.json) that Hugging Face's {@code gpt2}
 * repository carries, so a user with only OpenAI's files gets a tokenizer: the ByteLevel pre-tokenizer (GPT-2's
 * split pattern), a BPE model, the ByteLevel decoder, {@code <|endoftext|>} as bos, eos and unk.
 *
 * <p>Optionally CodeGen's tokenizer (Salesforce/codegen-*): GPT-2's plus runs of spaces and tabs as extra,
 * non-special added tokens, in the order Salesforce's {@code create_custom_gpt2_tokenizer} adds them
 * (salesforce/CodeGen, {@code jaxformer/hf/sample.py}): 31 spaces down to 2 (ids 50257..50286), then 9 tabs down
 * to 2 (50287..50294). Microsoft.ML.Tokenizers' CodeGen tests against codegen-350M-mono's files agree: two spaces
 * are 50286.
 */
public final class Gpt2Vocabulary {

    public static final String ENCODER = "encoder.json";
    public static final String MERGES = "vocab.bpe";

    private Gpt2Vocabulary() {
    }

    /** CodeGen's whitespace tokens in id order: 31..2 spaces, then 9..2 tabs. */
    public static List<String> codegenWhitespace() {
        List<String> tokens = new ArrayList<>();
        for (int n = 31; n >= 2; n--) {
            tokens.add(" ".repeat(n));
        }
        for (int n = 9; n >= 2; n--) {
            tokens.add("\t".repeat(n));
        }
        return tokens;
    }

    /**
     * Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into {@code directory}.
     *
     * @param codegen with CodeGen's whitespace tokens (and CodeGen's class name and 2048-token context)
     */
    public static void write(Path encoderJson, Path vocabBpe, boolean codegen, Path directory) {
        ObjectNode vocab = vocabulary(encoderJson);
        ArrayNode merges = merges(vocabBpe, vocab);
        int highest = -1;
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            highest = Math.max(highest, entry.getValue().asInt());
        }
        ObjectNode root = TokenizerJson.byteLevelBpe(true);
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        JsonNode endOfText = vocab.get(LetiTokenizer.END_OF_TEXT);
        if (endOfText == null) {
            throw new WeightsException(encoderJson + ": no " + LetiTokenizer.END_OF_TEXT + " entry (GPT-2's has id 50256)");
        }
        addedToken(added, endOfText.asInt(), LetiTokenizer.END_OF_TEXT, true);
        if (codegen) {
            for (String whitespace : codegenWhitespace()) {
                addedToken(added, ++highest, whitespace, false);
            }
        }
        ObjectNode model = (ObjectNode) root.get("model");
        model.set("vocab", vocab);
        model.set("merges", merges);

        ObjectNode config = Jsonl.MAPPER.createObjectNode();
        config.put("add_prefix_space", false);
        config.put("bos_token", LetiTokenizer.END_OF_TEXT);
        config.put("clean_up_tokenization_spaces", false);
        config.put("eos_token", LetiTokenizer.END_OF_TEXT);
        config.put("model_max_length", codegen ? 2048 : 1024);
        config.put("tokenizer_class", codegen ? "CodeGenTokenizer" : "GPT2Tokenizer");
        config.put("unk_token", LetiTokenizer.END_OF_TEXT);
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve(LetiTokenizer.FILE), Jsonl.MAPPER.writeValueAsString(root));
            Files.writeString(directory.resolve(SpecialTokens.CONFIG_FILE), Jsonl.MAPPER.writeValueAsString(config));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + directory + ": " + e.getMessage(), e);
        }
        // tokenizer_config.json again, with added_tokens_decoder, and special_tokens_map.json, as save_pretrained
        TokenizerJson tokenizer = TokenizerJson.read(directory.resolve(LetiTokenizer.FILE));
        PretrainedFiles.write(directory, tokenizer, SpecialTokens.read(directory, tokenizer), List.of());
    }

    private static void addedToken(ArrayNode added, int id, String content, boolean special) {
        // transformers' add_tokens: a non-special token is matched on normalised text (there is no normaliser here)
        added.addObject().put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", special);
    }

    private static ObjectNode vocabulary(Path file) {
        JsonNode json;
        try {
            json = Jsonl.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (tools.jackson.core.JacksonException e) {
            throw new WeightsException(file + ": not JSON (" + Jsonl.where(e) + ")", e);
        }
        if (!json.isObject() || json.isEmpty()) {
            throw new WeightsException(file + ": expected an object of token ids, as GPT-2's encoder.json");
        }
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
            if (!entry.getValue().isIntegralNumber() || entry.getValue().asInt() < 0) {
                throw new WeightsException(file + ": token \"" + entry.getKey() + "\" must have a non-negative integer"
                        + " id, got " + entry.getValue());
            }
        }
        return (ObjectNode) json;
    }

    /** vocab.bpe: a {@code #version} line, then one merge a line, two symbols of the vocabulary split by a space. */
    private static ArrayNode merges(Path file, ObjectNode vocab) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ArrayNode merges = Jsonl.MAPPER.createArrayNode();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new WeightsException(file + ": line " + (i + 1) + ": a merge is two symbols split by one space,"
                        + " got \"" + line + "\"");
            }
            if (!vocab.has(pair[0] + pair[1])) {
                throw new WeightsException(file + ": line " + (i + 1) + ": merge \"" + line + "\" makes \"" + pair[0]
                        + pair[1] + "\", which the vocabulary lacks");
            }
            merges.add(line);
        }
        return merges;
    }
}
