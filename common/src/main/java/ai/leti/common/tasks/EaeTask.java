package ai.leti.common.tasks;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import ai.leti.common.tasks.eae.Argument;
import ai.leti.common.tasks.eae.Ontology;

/**
 * Event argument extraction written as code (the paper's second task): the prompt shows a sentence and the event
 * class with its roles; the model completes {@code def extract(): return} with an instance of the event whose
 * arguments are entities of the ontology. The program runs with the ontology ({@link Ontology}), whose classes
 * check every argument: a wrong role or entity type fails with a message naming it, which is the textual feedback.
 * The verdict passes when the arguments are exactly the sentence's; the program also prints the arguments it
 * extracted, for the argument identification and classification F1 ({@link ai.leti.common.tasks.eae.EaeScore}).
 *
 * @param gold the sentence's arguments; only the tests see them, as the asserts of a code task
 */
public record EaeTask(String taskId, String sentence, String eventType, List<Argument> gold) implements Task {

    public EaeTask {
        gold = gold.stream().sorted().toList();
        Ontology.signature(eventType); // fails naming an unknown event type
    }

    @Override
    public String prompt() {
        return "\"\"\"\nSentence: " + sentence + "\nEvent: " + Ontology.signature(eventType) + "\n\"\"\"\n"
                + "def extract():\n    return"; // no trailing space: the completion's first token is " Attack" as in training
    }

    /** The gold event as code: {@code  Attack(attacker=[Person("Alice")], place=[Place("Paris")])}. */
    @Override
    public String referenceCompletion() {
        return " " + eventType + "(" + gold.stream().map(Argument::role).distinct().map(role -> role + "=["
                + gold.stream().filter(argument -> argument.role().equals(role)).map(EaeTask::code)
                        .collect(Collectors.joining(", ")) + "]").collect(Collectors.joining(", ")) + ")\n";
    }

    /** The ontology, then the check: the event type, every argument's role and type, then the arguments themselves. */
    @Override
    public String tests() {
        String goldList = gold.stream().map(argument -> "[" + quote(argument.role()) + ", " + quote(argument.type()) + ", "
                + quote(argument.name()) + "]").collect(Collectors.joining(", ", "[", "]"));
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
        return Set.of("extract");
    }
}
