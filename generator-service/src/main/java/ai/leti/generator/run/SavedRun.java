package ai.leti.generator.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunStage;

/**
 * What a generator must remember of a run to go on after a restart, written to {@code <state>/<run>/run.json} at
 * every step of the loop (atomically: a crash leaves the previous version). Samples are not kept: their ids are
 * deterministic, so an interrupted iteration is sampled again and the executors and the trainer drop what they have
 * seen already.
 *
 * @param stage      the run's stage when saved
 * @param iteration  the iteration the stage belongs to
 * @param completed  the last iteration whose checkpoint the run loaded (0: the base model)
 * @param evaluated  whether the work after loading {@code completed} (its evaluation) is done
 * @param checkpointDigest {@link ai.leti.common.messages.CheckpointAnnouncement#digestOf} of the checkpoint of
 *                   {@code completed} (null for the base model): the plan names it, so the trainer continues from it
 * @param modelPath  where the checkpoint of {@code completed} lies on this machine
 * @param probe      the reward token's likelihood probe set, once the base model's evaluation chose it
 * @param announcement the trainer's announcement of the checkpoint of {@code completed} (null for the base model):
 *                   the samplers' work names it
 */
public record SavedRun(String id, RunRequest request, RunStage stage, int iteration, int completed, boolean evaluated,
        String checkpoint, String checkpointDigest, String modelPath, long gradientSteps,
        List<Evaluation> evaluations, List<IterationStats> timeline, String problem,
        List<RewardTokenProbe.Program> probe, CheckpointAnnouncement announcement) {

    static final String FILE = "run.json";

    void save(Path state) {
        Path directory = state.resolve(id);
        try {
            Files.createDirectories(directory);
            Path partial = directory.resolve(FILE + ".partial");
            Files.writeString(partial, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            try {
                Files.move(partial, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the state of run " + id + " under " + directory, e);
        }
    }

    /** Every run saved under {@code state}; a file that cannot be read is skipped and named in the error list. */
    static List<SavedRun> loadAll(Path state, List<String> unreadable) {
        List<SavedRun> runs = new ArrayList<>();
        if (!Files.isDirectory(state)) {
            return runs;
        }
        try (Stream<Path> directories = Files.list(state)) {
            for (Path file : directories.map(directory -> directory.resolve(FILE)).filter(Files::isRegularFile).sorted().toList()) {
                try {
                    runs.add(Jsonl.MAPPER.readValue(Files.readString(file), SavedRun.class));
                } catch (IOException | RuntimeException e) {
                    unreadable.add(file + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list saved runs under " + state, e);
        }
        return runs;
    }
}
