package ai.leti.cli.demo;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.leti.cli.model.pretrain.Pretraining;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.tasks.TaskFiles;

/**
 * What the demo runs: the CPU recipe of {@code shared/docs/leti-method.md} (8 samples per task at temperature 1.0,
 * 4 epochs at batch 16, AdamW lr 3e-4, one regularization batch after every LETI step, feedback cut to its last 60
 * tokens, held-out pass@1 from 2 samples at temperature 0.2), in the full size or a quick one, on the generated
 * code tasks ({@code code}) or on event argument extraction ({@code eae}).
 */
record DemoPlan(DemoTask task, List<FeedbackMode> modes, int iterations, int samplesPerTask, int epochs, int evaluationSamples,
        long seed, String batchOrder, String trainingText) {

    /** Every mode the demo can run, in its default order: LETI, its binary ablation, and three controls. */
    static final List<FeedbackMode> MODES = List.of(FeedbackMode.TEXTUAL, FeedbackMode.BINARY, FeedbackMode.NONE,
            FeedbackMode.REFERENCE, FeedbackMode.PASSING_ONLY);

    static DemoPlan full(DemoTask task, long seed) {
        return new DemoPlan(task, MODES, 5, 8, 4, 2, seed, IterationPlan.LENGTH, IterationPlan.EXECUTED);
    }

    static DemoPlan quick(DemoTask task, long seed) {
        return new DemoPlan(task, List.of(FeedbackMode.TEXTUAL, FeedbackMode.BINARY), 2, 4, 3, 1, seed, IterationPlan.LENGTH,
                IterationPlan.EXECUTED);
    }

    /**
     * The demo's base model, after the CPU recipe: a 0.9M-parameter Llama-style decoder pre-trained on the generated
     * pre-training tasks (10% with bugs). Event argument extraction needs longer sequences: 200 steps leave a base at
     * ~0.2 held-out pass@1 (300 gave 0.70, 150 0.01). The authors' style puts the annotated ontology in every prompt
     * (~240 tokens a text): 700 steps give a base at ~0.38 held-out pass@1 with a greedy sample (400 gave 0.02).
     */
    Pretraining.Settings pretraining(Path taskFile, Path out) {
        return pretraining(task, seed, taskFile, out);
    }

    /** {@link #pretraining(Path, Path)} of a plan on {@code task} with {@code seed}: nothing else of a plan matters to it. */
    static Pretraining.Settings pretraining(DemoTask task, long seed, Path taskFile, Path out) {
        int steps = switch (task) {
            case CODE -> 300;
            case EAE -> 200;
            case EAE_AUTHORS -> 700;
        };
        int sequence = switch (task) {
            case CODE -> 128;
            case EAE -> 192;
            case EAE_AUTHORS -> 320;
        };
        int batch = task == DemoTask.EAE_AUTHORS ? 32 : 64;
        return new Pretraining.Settings(null, taskFile, out, 10, steps, 640, 4, 128, 4, sequence, batch, 2e-3, 0.1, seed,
                40L << 20);
    }

    /** The plan as {@code summary.json} records it, modes and task by label. */
    Map<String, Object> describe() {
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("task", task.label());
        plan.put("modes", modes.stream().map(FeedbackMode::label).toList());
        plan.put("iterations", iterations);
        plan.put("samplesPerTask", samplesPerTask);
        plan.put("epochs", epochs);
        plan.put("evaluationSamples", evaluationSamples);
        plan.put("seed", seed);
        plan.put("batchOrder", batchOrder);
        plan.put("trainingText", trainingText);
        return plan;
    }

    boolean extraction() {
        return task.extraction();
    }

    /** Event argument extraction the authors' way: their verifier, no regularization, one greedy evaluation sample. */
    boolean authorsExtraction() {
        return task == DemoTask.EAE_AUTHORS;
    }

    /** The body of {@code POST /runs} for one mode. */
    String request(FeedbackMode mode, Path base, Path tasks) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("name", "demo-" + (extraction() ? task.label() + "-" : "") + mode.label());
        request.put("model", base.toAbsolutePath().toString());
        request.put("taskFile", tasks.resolve("train.jsonl").toAbsolutePath().toString());
        request.put("split", "all");
        request.put("samplesPerTask", samplesPerTask);
        request.put("temperature", 1.0);
        request.put("topP", 1.0);
        request.put("maxNewTokens", extraction() ? 96 : 64); // an event with four arguments is ~60 tokens
        request.put("iterations", iterations);
        request.put("epochs", epochs);
        request.put("mode", mode.name());
        request.put("batchSize", 16);
        request.put("learningRate", 3e-4);
        if (authorsExtraction()) {
            request.put("regularizationRatio", 0); // the authors ran EAE without it
        } else {
            request.put("regularizationRatio", 1);
            // plain code, never a task file: the pre-training programs (no program of the run's train or held-out tasks)
            request.put("regularizationCorpus", tasks.resolve(TaskFiles.PLAIN_CODE).toAbsolutePath().toString());
            // about the pre-training programs' own length: 53 tokens for code, ~90 for event extraction
            request.put("regularizationBlockTokens", extraction() ? 128 : 64);
        }
        request.put("feedbackTokens", 60);
        request.put("batchOrder", batchOrder); // length: the CPU recipe's; generation: the authors' (the presets')
        request.put("trainingText", trainingText); // executed: cut at stop sequences, end-of-text; raw: the authors'
        request.put("evaluationFile", tasks.resolve("heldout.jsonl").toAbsolutePath().toString());
        request.put("evaluationSplit", "all");
        // the authors' EAE evaluation: one greedy sample per sentence
        request.put("evaluationSamples", authorsExtraction() ? 1 : evaluationSamples);
        request.put("evaluationTemperature", authorsExtraction() ? 0.0 : 0.2);
        request.put("evaluationEvery", 1);
        request.put("timeoutSeconds", extraction() ? 30 : 5); // the paper's limits
        request.put("seed", seed);
        return Jsonl.MAPPER.writeValueAsString(request);
    }
}
