package ai.leti.common.tasks.synthetic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import ai.leti.common.tasks.MbppTask;
import ai.leti.common.tasks.TaskFiles;

/**
 * The CPU-sized task set of the LETI demo, after the recipe in {@code shared/docs/leti-method.md}: 17 templates
 * (7 on an integer, 10 on a list) times constants 1..12. Per template the constants are shuffled and split 3 for
 * pre-training, 6 for LETI training and 3 held out, so every training and held-out task is an unseen
 * template x constant pair of seen parts. Tasks are MBPP rows: the prompt shows one assert, three run.
 * Each held-out pair gets {@value #HELD_OUT_VARIANTS} tasks with different inputs (204 in all, as in the recipe), each
 * pre-training pair {@value #PRETRAIN_VARIANTS}.
 */
public final class SyntheticTasks {

    public static final int CONSTANTS = 12;
    private static final int PRETRAIN_CONSTANTS = 3;
    private static final int TRAIN_CONSTANTS = 6;
    public static final int HELD_OUT_VARIANTS = 4;
    /** Pre-training sees each of its pairs with this many input sets, so it learns the pair, not one assert. */
    public static final int PRETRAIN_VARIANTS = 16;

    static final List<Template> TEMPLATES = List.of(
            new Template("plus", "add_number", "add {c} to a number", "x + {c}", false, (x, c) -> (Integer) x + c),
            new Template("minus", "subtract_number", "subtract {c} from a number", "x - {c}", false, (x, c) -> (Integer) x - c),
            new Template("times", "multiply_number", "multiply a number by {c}", "x * {c}", false, (x, c) -> (Integer) x * c),
            new Template("modulo", "remainder", "find the remainder of a number divided by {c}", "x % {c}", false,
                    (x, c) -> (Integer) x % c),
            new Template("square_plus", "square_plus", "square a number and add {c}", "x * x + {c}", false,
                    (x, c) -> (Integer) x * (Integer) x + c),
            new Template("subtracted_from", "subtract_from", "subtract a number from {c}", "{c} - x", false,
                    (x, c) -> c - (Integer) x),
            new Template("floor_divide", "floor_divide", "floor-divide a number by {c}", "x // {c}", false,
                    (x, c) -> (Integer) x / c),
            new Template("elementwise_plus", "add_to_all", "add {c} to every element of a list",
                    "[v + {c} for v in values]", true, (xs, c) -> list(xs).stream().map(v -> v + c).toList()),
            new Template("elementwise_times", "multiply_all", "multiply every element of a list by {c}",
                    "[v * {c} for v in values]", true, (xs, c) -> list(xs).stream().map(v -> v * c).toList()),
            new Template("greater_than", "keep_greater", "keep the elements of a list greater than {c}",
                    "[v for v in values if v > {c}]", true, (xs, c) -> list(xs).stream().filter(v -> v > c).toList()),
            new Template("less_than", "keep_smaller", "keep the elements of a list less than {c}",
                    "[v for v in values if v < {c}]", true, (xs, c) -> list(xs).stream().filter(v -> v < c).toList()),
            new Template("count", "count_value", "count the elements of a list equal to {c}", "values.count({c})", true,
                    (xs, c) -> (int) list(xs).stream().filter(v -> v.equals(c)).count()),
            new Template("sum_plus", "sum_plus", "return the sum of a list plus {c}", "sum(values) + {c}", true,
                    (xs, c) -> list(xs).stream().mapToInt(Integer::intValue).sum() + c),
            new Template("max_minus", "max_minus", "return the largest element of a list minus {c}", "max(values) - {c}",
                    true, (xs, c) -> Collections.max(list(xs)) - c),
            new Template("min_plus", "min_plus", "return the smallest element of a list plus {c}", "min(values) + {c}",
                    true, (xs, c) -> Collections.min(list(xs)) + c),
            new Template("length_times", "length_times", "return the length of a list times {c}", "len(values) * {c}",
                    true, (xs, c) -> list(xs).size() * c),
            new Template("append", "append_value", "append {c} to a list", "values + [{c}]", true, (xs, c) -> {
                List<Integer> appended = new ArrayList<>(list(xs));
                appended.add(c);
                return appended;
            }));

    /** The three splits; disjoint in template x constant pairs. */
    public record TaskSet(List<MbppTask> pretrain, List<MbppTask> train, List<MbppTask> heldOut) {

        /** Writes {@code pretrain.jsonl}, {@code train.jsonl} and {@code heldout.jsonl} in MBPP format. */
        public void write(Path directory) {
            TaskFiles.writeSplits(directory, pretrain, train, heldOut);
        }
    }

    private SyntheticTasks() {
    }

    public static TaskSet generate(long seed) {
        List<MbppTask> pretrain = new ArrayList<>();
        List<MbppTask> train = new ArrayList<>();
        List<MbppTask> heldOut = new ArrayList<>();
        Random random = new Random(seed);
        for (Template template : TEMPLATES) {
            List<Integer> constants = IntStream.rangeClosed(1, CONSTANTS).boxed().collect(Collectors.toList());
            Collections.shuffle(constants, random);
            for (int i = 0; i < constants.size(); i++) {
                int constant = constants.get(i);
                if (i < PRETRAIN_CONSTANTS) {
                    for (int variant = 0; variant < PRETRAIN_VARIANTS; variant++) {
                        pretrain.add(task(template, constant, template.name() + "/" + constant + "/" + variant, random));
                    }
                } else if (i < PRETRAIN_CONSTANTS + TRAIN_CONSTANTS) {
                    train.add(task(template, constant, template.name() + "/" + constant, random));
                } else {
                    for (int variant = 0; variant < HELD_OUT_VARIANTS; variant++) {
                        heldOut.add(task(template, constant, template.name() + "/" + constant + "/" + variant, random));
                    }
                }
            }
        }
        return new TaskSet(pretrain, train, heldOut);
    }

    private static MbppTask task(Template template, int constant, String taskId, Random random) {
        List<String> asserts = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        while (asserts.size() < 3) {
            Object input = template.input(random);
            if (!seen.contains(input.toString())) { // three different inputs
                seen.add(input.toString());
                asserts.add(template.assertion(input, constant));
            }
        }
        return new MbppTask(taskId, template.text(constant), template.code(constant), asserts, "");
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> list(Object values) {
        return (List<Integer>) values;
    }
}
