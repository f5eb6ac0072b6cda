package ai.leti.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Trains a byte-level BPE tokenizer (GPT-2's scheme: no unknown tokens, whitespace kept, so Python indentation
 * survives) and writes it as a Hugging Face {@code tokenizer.json}, so a fresh machine gets a tokenizer with
 * no download and any tool that reads tokenizer.json can load it. Written here because DJL's binding of
 * Hugging Face tokenizers exposes no trainer.
 */
public final class BpeTrainer {

    private BpeTrainer() {
    }

    /**
     * @param vocabSize total vocabulary including the 256 byte symbols and the special tokens
     * @param specials  special tokens, given the first ids ({@code <|endoftext|>} first by convention)
     */
    public static void train(Iterable<String> texts, int vocabSize, List<String> specials, Path tokenizerJson) {
        Map<String, Integer> wordCounts = new HashMap<>();
        for (String text : texts) {
            for (String piece : ByteLevel.pieces(text)) {
                wordCounts.merge(piece, 1, Integer::sum);
            }
        }
        List<String> symbols = new ArrayList<>(ByteLevel.alphabet());
        Map<String, Integer> symbolIds = new HashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            symbolIds.put(symbols.get(i), i);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : wordCounts.entrySet()) {
            String word = entry.getKey();
            int[] ids = new int[word.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = symbolIds.get(String.valueOf(word.charAt(i)));
            }
            words.add(ids);
            counts.add(entry.getValue());
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            addPairs(words.get(w), counts.get(w), w, pairCounts, pairWords);
        }
        List<String> merges = new ArrayList<>();
        int target = vocabSize - specials.size();
        while (symbols.size() < target) {
            long best = -1;
            long bestCount = 1; // a pair seen once is not worth a token
            for (Map.Entry<Long, Long> entry : pairCounts.entrySet()) {
                long count = entry.getValue();
                if (count > bestCount || (count == bestCount && best >= 0 && entry.getKey() < best)) {
                    best = entry.getKey();
                    bestCount = count;
                }
            }
            if (best < 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            int merged = symbols.size();
            symbols.add(symbols.get(left) + symbols.get(right));
            merges.add(symbols.get(left) + " " + symbols.get(right));
            for (int w : new ArrayList<>(pairWords.getOrDefault(best, Set.of()))) {
                int[] before = words.get(w);
                removePairs(before, counts.get(w), w, pairCounts, pairWords);
                int[] after = merge(before, left, right, merged);
                words.set(w, after);
                addPairs(after, counts.get(w), w, pairCounts, pairWords);
            }
            pairCounts.remove(best);
            pairWords.remove(best);
        }
        write(tokenizerJson, symbols, merges, specials);
    }

    private static int[] merge(int[] word, int left, int right, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static void addPairs(int[] word, int count, int index, Map<Long, Long> pairCounts, Map<Long, Set<Integer>> pairWords) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = key(word[i], word[i + 1]);
            pairCounts.merge(key, (long) count, Long::sum);
            pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(index);
        }
    }

    private static void removePairs(int[] word, int count, int index, Map<Long, Long> pairCounts, Map<Long, Set<Integer>> pairWords) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = key(word[i], word[i + 1]);
            long left = pairCounts.merge(key, (long) -count, Long::sum);
            if (left <= 0) {
                pairCounts.remove(key);
            }
            Set<Integer> indices = pairWords.get(key);
            if (indices != null) {
                indices.remove(index);
            }
        }
    }

    private static void write(Path file, List<String> symbols, List<String> merges, List<String> specials) {
        ObjectNode root = TokenizerJson.byteLevelBpe(false);
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        for (int i = 0; i < specials.size(); i++) {
            LetiTokenizer.addedToken(added, i, specials.get(i));
        }
        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocab = model.putObject("vocab");
        Map<String, Integer> ordered = new LinkedHashMap<>();
        for (int i = 0; i < specials.size(); i++) {
            ordered.put(specials.get(i), i);
        }
        for (int i = 0; i < symbols.size(); i++) {
            ordered.put(symbols.get(i), specials.size() + i);
        }
        ordered.forEach(vocab::put);
        ArrayNode mergeList = model.putArray("merges");
        merges.forEach(mergeList::add);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, Jsonl.MAPPER.writeValueAsString(root));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
