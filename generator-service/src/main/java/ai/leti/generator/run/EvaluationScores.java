package ai.leti.generator.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import ai.leti.common.eval.PassAtK;
import ai.leti.common.leti.Condition;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskScorer;
import ai.leti.common.tasks.TaskType;

/**
 * One evaluation's numbers from its results, per condition: pass@k for k = 1 and each of 2, 5, 10, 100 that the
 * samples per task allow (the unbiased estimator, averaged over tasks), the failures by error category, and the
 * scores the tasks' types keep ({@link TaskType#scorer()}: argument F1 for event extraction; none for code).
 */
record EvaluationScores(Map<String, Double> passAt1, Map<String, Map<String, Double>> passAtK,
        Map<String, Map<String, Integer>> categories, Map<String, Map<String, Double>> scores) {

    static EvaluationScores of(List<Task> tasks, List<ExecutionResult> results, List<Condition> conditions, int samples) {
        Map<String, Task> byId = new LinkedHashMap<>();
        tasks.forEach(task -> byId.put(task.taskId(), task));
        Map<String, Double> passAt1 = new LinkedHashMap<>();
        Map<String, Map<String, Double>> passAtK = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> categories = new LinkedHashMap<>();
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        for (Condition condition : conditions) {
            Map<String, int[]> perTask = new LinkedHashMap<>();
            Map<String, Integer> failures = new TreeMap<>();
            Map<TaskType, Optional<TaskScorer>> scorers = new LinkedHashMap<>();
            for (ExecutionResult result : results) {
                if (result.purpose() == null || result.purpose().condition() != condition) {
                    continue;
                }
                Task task = byId.get(result.taskId());
                if (task != null) {
                    scorers.computeIfAbsent(task.type(), TaskType::scorer).ifPresent(scorer -> scorer.add(task, result.output()));
                }
                int[] counts = perTask.computeIfAbsent(result.taskId(), id -> new int[2]);
                counts[0]++;
                if (result.passed()) {
                    counts[1]++;
                } else {
                    failures.merge(result.category().tag(), 1, Integer::sum);
                }
            }
            List<PassAtK.Counts> counts = perTask.values().stream().map(c -> new PassAtK.Counts(c[0], c[1])).toList();
            Map<String, Double> ks = new LinkedHashMap<>();
            for (int k : new int[] {1, 2, 5, 10, 100}) {
                if (k == 1 || k <= samples) {
                    ks.put("pass@" + k, PassAtK.mean(counts, k));
                }
            }
            String label = condition.label();
            passAt1.put(label, ks.get("pass@1"));
            passAtK.put(label, ks);
            categories.put(label, failures);
            Map<String, Double> taskScores = new LinkedHashMap<>();
            scorers.values().forEach(scorer -> scorer.ifPresent(s -> taskScores.putAll(s.scores())));
            if (!taskScores.isEmpty()) {
                scores.put(label, taskScores);
            }
        }
        return new EvaluationScores(passAt1, passAtK, categories, scores);
    }
}
