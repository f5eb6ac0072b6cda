package ai.leti.cli.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.cli.CommandLines;
import ai.leti.cli.Leti;
import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/** {@code ./leti evaluate} end to end on files the test writes, with the real sandbox. */
class EvaluateCommandIT {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private Run evaluate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = CommandLines.of(new Leti()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    @Test
    void evaluatesHumanEvalSamplesInOrderAndPrintsPassAtK() throws IOException {
        Path problems = Files.write(dir.resolve("problems.jsonl"), List.of(
                "{\"task_id\": \"HumanEval/0\", \"prompt\": \"def add(a, b):\\n\", \"canonical_solution\": \"    return a + b\\n\","
                        + " \"test\": \"def check(candidate):\\n    assert candidate(1, 2) == 3\\n    assert candidate(0, 0) == 0\\n\","
                        + " \"entry_point\": \"add\"}",
                "{\"task_id\": \"HumanEval/1\", \"prompt\": \"def neg(a):\\n\", \"canonical_solution\": \"    return -a\\n\","
                        + " \"test\": \"def check(candidate):\\n    assert candidate(2) == -2\\n\", \"entry_point\": \"neg\"}"));
        Path samples = Files.write(dir.resolve("samples.jsonl"), List.of(
                "{\"task_id\": \"HumanEval/0\", \"completion\": \"    return a + b\\n\"}",
                "{\"task_id\": \"HumanEval/1\", \"completion\": \"    return a\\n\"}",
                "{\"task_id\": \"HumanEval/0\", \"completion\": \"    while True:\\n        pass\\n\"}",
                "{\"task_id\": \"HumanEval/1\", \"completion\": \"    return -a\\n\"}"));

        Run run = evaluate("evaluate", "--problems", problems.toString(), "--samples", samples.toString(),
                "--k", "1,2,10", "--timeout", "1", "--workers", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode passAtK = Jsonl.MAPPER.readTree(run.out().strip());
        assertThat(passAtK.get("pass@1").asDouble()).isEqualTo(0.5);
        assertThat(passAtK.get("pass@2").asDouble()).isEqualTo(1.0);
        assertThat(passAtK.has("pass@10")).isFalse(); // only 2 samples per task
        List<Jsonl.Line> results = Jsonl.read(Path.of(samples + "_results.jsonl"));
        assertThat(results).extracting(line -> line.node().get("result").asString())
                .containsExactly("passed", "failed: AssertionError", "timed out", "passed");
        assertThat(results).extracting(line -> line.node().get("passed").asBoolean())
                .containsExactly(true, false, false, true);
        assertThat(results.get(1).node().get("completion").asString()).isEqualTo("    return a\n");
    }

    @Test
    void namesSamplesWithUnknownTaskIdsAndStillEvaluatesTheRest() throws IOException {
        Path problems = Files.write(dir.resolve("mbpp.jsonl"), List.of(
                "{\"task_id\": 11, \"text\": \"Double it.\", \"code\": \"def d(x):\\n    return 2 * x\","
                        + " \"test_list\": [\"assert d(2) == 4\", \"assert d(0) == 0\"], \"test_setup_code\": \"\"}"));
        Path samples = Files.write(dir.resolve("samples.jsonl"), List.of(
                "{\"task_id\": 11, \"completion\": \"def d(x):\\n    return x + x\\n\"}",
                "{\"task_id\": 99, \"completion\": \"def d(x):\\n    return x\\n\"}"));

        Run run = evaluate("evaluate", "--problems", problems.toString(), "--samples", samples.toString(), "--k", "1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("samples.jsonl:2: unknown task_id \"99\"; sample skipped");
        assertThat(Jsonl.MAPPER.readTree(run.out().strip()).get("pass@1").asDouble()).isEqualTo(1.0);
        List<Jsonl.Line> results = Jsonl.read(Path.of(samples + "_results.jsonl"));
        assertThat(results).extracting(line -> line.node().get("result").asString())
                .containsExactly("passed", "skipped: unknown task_id \"99\"");
    }

    @Test
    void reportsAMissingProblemsFileWithoutAStackTrace() {
        Run run = evaluate("evaluate", "--problems", dir.resolve("nope.jsonl").toString(),
                "--samples", dir.resolve("s.jsonl").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("cannot read").contains("nope.jsonl").doesNotContain("\tat ");
    }
}
