package ai.leti.common.tasks.synthetic;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * One task template: an instruction with a constant, a function that solves it, and how to draw inputs.
 * Expected values are computed here in Java for the non-negative inputs the templates draw, where Java's
 * integer arithmetic agrees with Python's.
 */
record Template(String name, String function, String instruction, String body, boolean takesList,
        BiFunction<Object, Integer, Object> solve) {

    /** {@code instruction} and {@code body} use {@code {c}} for the constant. */
    String text(int constant) {
        return "Write a function " + function + " to " + instruction.replace("{c}", Integer.toString(constant)) + ".";
    }

    String code(int constant) {
        String argument = takesList ? "values" : "x";
        return "def " + function + "(" + argument + "):\n    return " + body.replace("{c}", Integer.toString(constant)) + "\n";
    }

    Object input(Random random) {
        if (!takesList) {
            return random.nextInt(21);
        }
        int length = 3 + random.nextInt(3);
        List<Integer> values = new java.util.ArrayList<>();
        for (int i = 0; i < length; i++) {
            values.add(random.nextInt(16));
        }
        return values;
    }

    String assertion(Object input, int constant) {
        return "assert " + function + "(" + python(input) + ") == " + python(solve.apply(input, constant));
    }

    private static String python(Object value) {
        return value.toString(); // Integer and List<Integer> print as Python literals
    }
}
