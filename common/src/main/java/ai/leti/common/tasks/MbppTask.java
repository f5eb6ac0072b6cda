package ai.leti.common.tasks;

import java.util.List;

/**
 * An MBPP row. The prompt is LETI's: the instruction and the first assert in a docstring; all asserts
 * run, after {@code test_setup_code} (which may use the solution's definitions, so it runs after it).
 */
public record MbppTask(String taskId, String text, String code, List<String> testList, String testSetupCode)
        implements Task {

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
}
