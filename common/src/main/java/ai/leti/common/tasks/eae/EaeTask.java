package ai.leti.common.tasks.eae;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskType;

/**
 * Event argument extraction written as code (the paper's second task), in one of two styles.
 * <ul>
 * <li>{@link #TYPED} (the project's): the prompt shows a sentence and the event's signature; the model completes
 * {@code def extract(): return} with an instance of the event. The program runs with the ontology ({@link
 * Ontology}), whose classes check every argument: a wrong role or entity type fails with a message naming it, which
 * is the textual feedback; a wrong but well-typed argument gets a bare {@code AssertionError}. The verdict passes
 * when the arguments are exactly the sentence's.</li>
 * <li>{@link #AUTHORS} (the paper's, after Code4Struct): the prompt holds the ontology, annotated and unchecked
 * ({@link Ontology#annotated}), and the sentence with its trigger marked; the model completes
 * {@code attack_event = Attack(}. A verifier compares the arguments with the gold ones by head word and says what
 * is wrong ("... does not match any ground truth argument", "... is assigned to wrong role ...", "Only N out of M
 * arguments are correctly identified"); a pass is every gold argument identified and classified with no extras.</li>
 * </ul>
 * Either way the program prints the arguments it extracted, for the argument identification and classification F1
 * ({@link ai.leti.common.tasks.eae.EaeScore}; head words in the authors' style).
 *
 * @param gold    the sentence's arguments; only the tests see them, as the asserts of a code task
 * @param trigger the word of the sentence that names the event (marked in the authors' prompt); may be null in the
 *                typed style
 * @param style   {@link #TYPED} or {@link #AUTHORS}; null means typed
 */
public record EaeTask(String taskId, String sentence, String eventType, List<Argument> gold, String trigger, String style)
        implements Task {

    public static final String TYPED = "typed";
    public static final String AUTHORS = "authors";

    public EaeTask {
        gold = gold.stream().sorted().toList();
        Ontology.signature(eventType); // fails naming an unknown event type
        style = style == null ? TYPED : style;
        if (!style.equals(TYPED) && !style.equals(AUTHORS)) {
            throw new IllegalArgumentException("style: typed or authors, got " + style);
        }
        if (style.equals(AUTHORS) && (trigger == null || !wordIn(sentence, trigger).find())) {
            throw new IllegalArgumentException("the trigger " + trigger + " is not a word of the sentence: " + sentence);
        }
    }

    /** The project's typed style, without a trigger. */
    public EaeTask(String taskId, String sentence, String eventType, List<Argument> gold) {
        this(taskId, sentence, eventType, gold, null, TYPED);
    }

    public boolean authors() {
        return style.equals(AUTHORS);
    }

    @Override
    public String prompt() {
        if (authors()) {
            return Ontology.annotated(eventType) + "\n\"\"\"\nTranslate the following sentence into an instance of " + eventType
                    + ". The trigger word of the event is marked with **trigger word**.\n\"" + markedSentence() + "\"\n\"\"\"\n"
                    + variable() + " = " + eventType + "(";
        }
        return "\"\"\"\nSentence: " + sentence + "\nEvent: " + Ontology.signature(eventType) + "\n\"\"\"\n"
                + "def extract():\n    return"; // no trailing space: the completion's first token is " Attack" as in training
    }

    /** The sentence with its trigger's first occurrence in {@code **}. */
    public String markedSentence() {
        Matcher word = wordIn(sentence, trigger);
        word.find();
        return sentence.substring(0, word.start()) + "**" + trigger + "**" + sentence.substring(word.end());
    }

    private static Matcher wordIn(String sentence, String word) {
        return Pattern.compile("\\b" + Pattern.quote(word) + "\\b").matcher(sentence);
    }

    /** The authors' prompt's variable: {@code attack_event}. */
    private String variable() {
        return eventType.toLowerCase(Locale.ROOT) + "_event";
    }

    /**
     * The gold event as code: typed, {@code  Attack(attacker=[Person("Alice")], place=[Place("Paris")])}; the
     * authors' style, the constructor's arguments and its closing parenthesis.
     */
    @Override
    public String referenceCompletion() {
        String arguments = gold.stream().map(Argument::role).distinct().map(role -> role + "=["
                + gold.stream().filter(argument -> argument.role().equals(role)).map(EaeTask::code)
                        .collect(Collectors.joining(", ")) + "]").collect(Collectors.joining(", "));
        return authors() ? arguments + ")\n" : " " + eventType + "(" + arguments + ")\n";
    }

    /**
     * Typed: the ontology, then the check: the event type, every argument's role and type, then the arguments
     * themselves. The authors' style: the verifier, on the arguments the program's event kept.
     */
    @Override
    public String tests() {
        String goldList = gold.stream().map(argument -> "[" + quote(argument.role()) + ", " + quote(argument.type()) + ", "
                + quote(argument.name()) + "]").collect(Collectors.joining(", ", "[", "]"));
        if (authors()) {
            return "\n" + Ontology.verifierCode() + "\nleti_verify(" + variable() + ".arguments, " + goldList + ")\n";
        }
        return "\n" + Ontology.code() + "\nleti_check(extract(), " + quote(eventType) + ", " + goldList + ")\n";
    }

    private static String code(Argument argument) {
        return argument.type() + "(" + quote(argument.name()) + ")";
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public Set<String> entryPoints() {
        return authors() ? Set.of() : Set.of("extract");
    }

    @Override
    public TaskType type() {
        return EaeTaskType.INSTANCE;
    }
}
