package ai.leti.generator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.files.ConfinedPaths;
import ai.leti.common.json.LineError;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.tasks.MbppSplit;
import ai.leti.common.tasks.ProgramFingerprints;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.run.RunRegistry.InvalidRunException;

/**
 * The files a run request names, checked before the run exists: every path under {@code leti.generator.data-roots}
 * or the state directory (SECURITY.md), the model a checkpoint directory, the task and evaluation files readable
 * task files with tasks in the split, the regularization corpus plain code. Problems name the field, and no answer
 * quotes a file's content.
 */
final class RunFiles {

    private static final Logger log = LoggerFactory.getLogger(RunFiles.class);

    private final ConfinedPaths readable;

    RunFiles(GeneratorProperties properties) {
        List<Path> roots = new ArrayList<>(properties.dataRoots());
        roots.add(properties.state());
        this.readable = new ConfinedPaths(roots);
    }

    /** The starting checkpoint: a directory with its config and tokenizer. */
    Path model(RunRequest request) {
        Path model = confined("model", request.model());
        if (!Files.isRegularFile(model.resolve("config.json")) || !Files.isRegularFile(model.resolve("tokenizer.json"))) {
            throw new InvalidRunException("model", "no checkpoint directory (config.json, tokenizer.json) at " + model);
        }
        return model;
    }

    List<Task> tasks(RunRequest request) {
        return tasks("taskFile", request.taskFile(), request.split());
    }

    List<Task> evaluationTasks(RunRequest request) {
        return tasks("evaluationFile", evaluationFile(request), request.evaluationSplit());
    }

    private static String evaluationFile(RunRequest request) {
        return request.evaluationFile() == null || request.evaluationFile().isBlank() ? request.taskFile()
                : request.evaluationFile();
    }

    /**
     * Regularization needs a corpus of plain code, and never the run's own task or evaluation file. Whether the
     * corpus holds any of their solutions only the trainer can tell (it reads the corpus): it refuses the plan,
     * and the run fails with its reason.
     */
    static void checkCorpus(RunRequest request) {
        String corpus = request.regularizationCorpus();
        if (request.regularizationRatio() > 0 && (corpus == null || corpus.isBlank())) {
            throw new InvalidRunException("regularizationCorpus", "required when regularizationRatio > 0: a directory"
                    + " of .py files, a JSONL file with a \"content\" field per line, or stdlib (the trainer's Python"
                    + " standard library); never a task file. regularizationRatio 0 trains without");
        }
        if (corpus != null && !corpus.equals(IterationPlan.STANDARD_LIBRARY)) {
            for (String file : List.of(request.taskFile(), evaluationFile(request))) {
                if (Path.of(corpus).toAbsolutePath().normalize().equals(Path.of(file).toAbsolutePath().normalize())) {
                    throw new InvalidRunException("regularizationCorpus", "is this run's task or evaluation file "
                            + file + ": its reference solutions are ground truth");
                }
            }
        }
    }

    /** Fingerprints of every reference solution in the run's task and evaluation files, whole files (all splits). */
    static Set<String> excludedPrograms(RunRequest request) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (String file : new LinkedHashSet<>(List.of(request.taskFile(), evaluationFile(request)))) {
            fingerprints.addAll(ProgramFingerprints.ofReferences(TaskFiles.read(Path.of(file)).values()));
        }
        return fingerprints;
    }

    Path confined(String field, String path) {
        try {
            return readable.check(field, path);
        } catch (ConfinedPaths.OutsideRootsException e) {
            throw new InvalidRunException(field, e.reason());
        }
    }

    private List<Task> tasks(String field, String file, String split) {
        Path path = confined(field, file);
        if (!Files.isRegularFile(path)) {
            throw new InvalidRunException(field, "no task file at " + file);
        }
        List<Task> tasks;
        try {
            tasks = split.equals("all") ? new ArrayList<>(TaskFiles.read(path).values())
                    : TaskFiles.read(path, MbppSplit.valueOf(split.toUpperCase(java.util.Locale.ROOT)));
        } catch (LineError e) {
            // The reason can quote the file (a task id, a value): it goes to the log, the answer says where only.
            log.warn("{} {} is not a task file: {}", field, file, e.getMessage());
            throw new InvalidRunException(field, file + " line " + e.line() + " is not a task of a known format (MBPP,"
                    + " HumanEval, EAE); the generator's log has the reason");
        } catch (RuntimeException e) {
            log.warn("{} {} is not a task file: {}", field, file, e.getMessage());
            throw new InvalidRunException(field, file + " is not a task file; the generator's log has the reason");
        }
        if (tasks.isEmpty()) {
            throw new InvalidRunException(field, "split " + split + " of " + file + " holds no tasks");
        }
        return tasks;
    }
}
