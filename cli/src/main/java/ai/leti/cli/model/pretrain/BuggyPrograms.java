package ai.leti.cli.model.pretrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.nio.file.Path;
import java.util.regex.Pattern;

import ai.leti.model.corpus.PythonCorpus;

/**
 * Realistic single-edit bugs in a program, for pre-training corpora: the recipe in {@code shared/docs/leti-method.md}
 * gives 10% of pre-training programs a bug so the base model samples wrong programs as well as right ones (which
 * is what LETI learns from). Edits: a wrong number, a swapped operator or comparison, a misspelt name, a lost
 * {@code return}; in event-extraction code, an entity of the wrong class or a misnamed role.
 */
public final class BuggyPrograms {

    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");
    private static final Pattern OPERATOR = Pattern.compile("(?<=\\s)(\\+|-|\\*|//|%|<|>)(?=\\s)");
    private static final Pattern NAME = Pattern.compile("\\b(values|x|v)\\b");
    private static final String[] OPERATORS = {"+", "-", "*", "//", "%", "<", ">"};
    private static final Pattern ENTITY = Pattern.compile("\\b(Person|Place|Organization|Weapon|Vehicle)(?=\\()");
    private static final String[] ENTITIES = {"Person", "Place", "Organization", "Weapon", "Vehicle"};
    private static final Pattern ROLE = Pattern.compile("\\b[a-z]+(?==\\[)");

    private BuggyPrograms() {
    }

    /** {@code program} with one edit; unchanged only when none applies (no number, operator, name or return). */
    public static String mutate(String program, Random random) {
        List<String> candidates = new ArrayList<>();
        for (int kind = 0; kind < 6; kind++) {
            String mutated = switch (kind) {
                case 0 -> replaceOne(program, NUMBER, number -> Integer.toString(otherNumber(Integer.parseInt(number), random)), random);
                case 1 -> replaceOne(program, OPERATOR, operator -> otherOperator(operator, random), random);
                case 2 -> replaceOne(program, NAME, name -> name + "s", random);
                case 3 -> replaceOne(program, ENTITY, entity -> other(ENTITIES, entity, random), random);
                case 4 -> replaceOne(program, ROLE, role -> role + "s", random);
                default -> program.contains("return ") ? program.replaceFirst("return ", "") : program;
            };
            if (!mutated.equals(program)) {
                candidates.add(mutated);
            }
        }
        return candidates.isEmpty() ? program : candidates.get(random.nextInt(candidates.size()));
    }

    private static int otherNumber(int number, Random random) {
        int other = random.nextBoolean() ? number + 1 + random.nextInt(2) : Math.max(0, number - 1 - random.nextInt(2));
        return other == number ? number + 1 : other;
    }

    private static String otherOperator(String operator, Random random) {
        return other(OPERATORS, operator, random);
    }

    private static String other(String[] choices, String current, Random random) {
        String other;
        do {
            other = choices[random.nextInt(choices.length)];
        } while (other.equals(current));
        return other;
    }

    private static String replaceOne(String program, Pattern pattern, java.util.function.UnaryOperator<String> edit, Random random) {
        List<int[]> spans = new ArrayList<>();
        Matcher matcher = pattern.matcher(program);
        while (matcher.find()) {
            spans.add(new int[] {matcher.start(), matcher.end()});
        }
        if (spans.isEmpty()) {
            return program;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return program.substring(0, span[0]) + edit.apply(program.substring(span[0], span[1])) + program.substring(span[1]);
    }

    /**
     * The programs of a task file (prompt + reference solution), e.g. the pre-training split of the demo's
     * generated tasks; every 20th task is held out. A fraction of the training programs get a realistic bug
     * (see {@link #mutate}), as in the CPU recipe, so the base model also writes wrong programs.
     */
    public static PythonCorpus fromTasks(Path taskFile, double buggyFraction, long seed) {
        List<String> training = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        java.util.Random random = new java.util.Random(seed);
        int i = 0;
        for (ai.leti.common.tasks.Task task : ai.leti.common.tasks.TaskFiles.read(taskFile).values()) {
            if (i++ % 20 == 19) {
                heldOut.add(task.prompt() + task.referenceCompletion());
            } else {
                String program = task.referenceCompletion();
                training.add(task.prompt() + (random.nextDouble() < buggyFraction ? mutate(program, random) : program));
            }
        }
        if (training.isEmpty() || heldOut.isEmpty()) {
            throw new IllegalArgumentException("--tasks: " + taskFile + " holds too few tasks (" + i + ", 20 or more needed)");
        }
        return new PythonCorpus(training, heldOut, true);
    }
}
