package ai.leti.common.tasks;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MBPP row. The prompt is LETI's: the instruction and the first assert in a docstring; all asserts
 * run, after {@code test_setup_code} (which may use the solution's definitions, so it runs after it).
 */
public record MbppTask(String taskId, String text, String code, List<String> testList, String testSetupCode)
        implements Task {

    private static final Pattern TOP_LEVEL_DEF = Pattern.compile("(?m)^def\\s+([A-Za-z_]\\w*)\\s*\\(");

    public MbppTask {
        testList = List.copyOf(testList);
        testSetupCode = testSetupCode == null ? "" : testSetupCode;
    }

    @Override
    public String prompt() {
        return "\"\"\"\n" + text + "\n" + testList.get(0) + "\n\"\"\"\n";
    }

    @Override
    public String referenceCompletion() {
        return code;
    }

    @Override
    public String tests() {
        StringBuilder tests = new StringBuilder("\n");
        if (!testSetupCode.isBlank()) {
            tests.append(testSetupCode).append('\n');
        }
        for (String assertion : testList) {
            tests.append(assertion).append('\n');
        }
        return tests.toString();
    }

    /** The reference solution's top-level functions that the asserts call: the task's interface, not its answer. */
    @Override
    public Set<String> entryPoints() {
        Set<String> names = new LinkedHashSet<>();
        Matcher definition = TOP_LEVEL_DEF.matcher(code);
        String asserts = String.join("\n", testList) + "\n" + testSetupCode;
        while (definition.find()) {
            String name = definition.group(1);
            if (Pattern.compile("\\b" + Pattern.quote(name) + "\\s*\\(").matcher(asserts).find()) {
                names.add(name);
            }
        }
        return Set.copyOf(names);
    }

    @Override
    public TaskType type() {
        return MbppTaskType.INSTANCE;
    }
}
