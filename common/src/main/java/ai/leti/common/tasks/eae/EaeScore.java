package ai.leti.common.tasks.eae;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.leti.common.json.Jsonl;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Argument identification and classification F1 (micro-averaged, as for ACE): an extracted argument is
 * identified when the sentence has an argument with its name (or, as the authors scored, its head word),
 * classified when also in the same role. A program that
 * extracted nothing (it did not run, or printed no {@code LETI_EAE} line) counts its gold arguments as missed.
 */
public final class EaeScore {

    public static final String MARKER = "LETI_EAE ";

    /** One program's counts. */
    /** The score names, as evaluations, reports and metrics key them. */
    public static final String IDENTIFICATION_F1 = "arg_identification_f1";
    public static final String CLASSIFICATION_F1 = "arg_classification_f1";

    public record Counts(int predicted, int gold, int identified, int classified) {
    }

    private EaeScore() {
    }

    /** The arguments a program printed, or none. */
    public static List<Argument> extracted(String output) {
        List<Argument> arguments = new ArrayList<>();
        if (output == null) {
            return arguments;
        }
        int at = output.lastIndexOf(MARKER);
        if (at < 0) {
            return arguments;
        }
        int end = output.indexOf('\n', at);
        String json = output.substring(at + MARKER.length(), end < 0 ? output.length() : end);
        try {
            for (JsonNode triple : Jsonl.MAPPER.readTree(json)) {
                if (triple.isArray() && triple.size() == 3) {
                    arguments.add(new Argument(triple.get(0).asString(), triple.get(1).asString(), triple.get(2).asString()));
                }
            }
        } catch (JacksonException unreadable) {
            return List.of(); // a program may print anything; only the checker's line counts
        }
        return arguments;
    }

    /** Names match exactly (the typed style). */
    public static Counts count(List<Argument> gold, List<Argument> predicted) {
        return count(gold, predicted, false);
    }

    /**
     * @param headWords match names by head word ({@link #head}), as the authors scored: "airport" finds "the airport"
     */
    public static Counts count(List<Argument> gold, List<Argument> predicted, boolean headWords) {
        java.util.function.Function<String, String> key = headWords ? EaeScore::head : name -> name;
        List<Argument> unmatchedNames = new ArrayList<>(gold);
        List<Argument> unmatchedRoles = new ArrayList<>(gold);
        int identified = 0;
        int classified = 0;
        for (Argument argument : predicted) {
            String name = key.apply(argument.name());
            Argument byName = unmatchedNames.stream().filter(g -> key.apply(g.name()).equals(name)).findFirst().orElse(null);
            if (byName != null) {
                identified++;
                unmatchedNames.remove(byName);
            }
            Argument byRole = unmatchedRoles.stream()
                    .filter(g -> key.apply(g.name()).equals(name) && g.role().equals(argument.role())).findFirst().orElse(null);
            if (byRole != null) {
                classified++;
                unmatchedRoles.remove(byRole);
            }
        }
        return new Counts(predicted.size(), gold.size(), identified, classified);
    }

    /** The head word of an argument's text, as {@code eae/verifier.py}'s {@code leti_head}: last word, lower case, no article. */
    public static String head(String name) {
        List<String> words = new ArrayList<>();
        for (String word : name.toLowerCase(java.util.Locale.ROOT).replace('.', ' ').trim().split("\\s+")) {
            if (!word.isEmpty() && !List.of("the", "a", "an").contains(word)) {
                words.add(word);
            }
        }
        return words.isEmpty() ? "" : words.get(words.size() - 1);
    }

    /** {@code arg_identification_f1} and {@code arg_classification_f1} over all programs. */
    public static Map<String, Double> f1(Collection<Counts> programs) {
        int predicted = programs.stream().mapToInt(Counts::predicted).sum();
        int gold = programs.stream().mapToInt(Counts::gold).sum();
        Map<String, Double> f1 = new LinkedHashMap<>();
        f1.put(IDENTIFICATION_F1, f1(programs.stream().mapToInt(Counts::identified).sum(), predicted, gold));
        f1.put(CLASSIFICATION_F1, f1(programs.stream().mapToInt(Counts::classified).sum(), predicted, gold));
        return f1;
    }

    private static double f1(int correct, int predicted, int gold) {
        if (correct == 0) {
            return 0;
        }
        double precision = correct / (double) predicted;
        double recall = correct / (double) gold;
        return 2 * precision * recall / (precision + recall);
    }
}
