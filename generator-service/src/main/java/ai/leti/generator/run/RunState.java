package ai.leti.generator.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ModelSource;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunStage;

/**
 * Where a run is and what it has done: the part of a run a restart needs, written as a {@link SavedRun} at every step
 * of the loop. The run's thread changes it; status requests read it from other threads (the fields they read are
 * volatile, the lists synchronized).
 */
final class RunState {

    volatile RunStage stage = RunStage.CREATED;
    volatile int iteration;
    /** The checkpoint being sampled from (the base model's path, then each announced checkpoint's URI). */
    volatile String checkpoint;
    /** Digest of the loaded checkpoint's files (null: the base model); the next plan names it. */
    volatile String checkpointDigest;
    /** The announcement of the loaded checkpoint (null: the base model): what the samplers fetch and verify. */
    volatile CheckpointAnnouncement announcement;
    volatile String problem;
    long gradientSteps;
    /** The last iteration whose checkpoint is loaded (0: the base model), where it lies, and whether its evaluation is done. */
    int completed;
    String modelPath;
    boolean evaluated;
    final List<Evaluation> evaluations = Collections.synchronizedList(new ArrayList<>());
    final List<IterationStats> timeline = Collections.synchronizedList(new ArrayList<>());

    /** A new run, on its base model. */
    RunState(String baseModel) {
        this.checkpoint = baseModel;
        this.modelPath = baseModel;
    }

    /** A run as a previous process saved it. */
    static RunState of(SavedRun saved) {
        RunState state = new RunState(saved.modelPath());
        state.stage = saved.stage();
        state.iteration = saved.iteration();
        state.completed = saved.completed();
        state.evaluated = saved.evaluated();
        state.checkpoint = saved.checkpoint();
        state.checkpointDigest = saved.checkpointDigest();
        state.announcement = saved.announcement();
        state.gradientSteps = saved.gradientSteps();
        state.evaluations.addAll(saved.evaluations());
        state.timeline.addAll(saved.timeline());
        state.problem = saved.problem();
        return state;
    }

    /** A restart found the samples of {@code iteration} published already: only its checkpoint is to be awaited. */
    boolean samplesPublished() {
        return iteration == completed + 1 && (stage == RunStage.EXECUTING || stage == RunStage.TRAINING);
    }

    /** The checkpoint of {@code next} is loaded from {@code directory}: later samples come from it. */
    void loaded(int next, CheckpointAnnouncement announcement, Path directory) {
        checkpoint = announcement.uri();
        checkpointDigest = CheckpointAnnouncement.digestOf(announcement.files());
        this.announcement = announcement;
        modelPath = directory.toString();
        completed = next;
        evaluated = false;
        gradientSteps += announcement.steps();
    }

    /** The model the samplers sample from now: the base model where it lies, or the loaded checkpoint as announced. */
    ModelSource source() {
        if (completed == 0) {
            return ModelSource.base(modelPath);
        }
        if (announcement == null) {
            throw new IllegalStateException("the run was saved by a version without sampler fleets: the announcement of its "
                    + "checkpoint of iteration " + completed + " is unknown; start a new run from that checkpoint");
        }
        return ModelSource.of(announcement);
    }

    SavedRun saved(String id, RunRequest request, List<RewardTokenProbe.Program> probe) {
        return new SavedRun(id, request, stage, iteration, completed, evaluated, checkpoint, checkpointDigest, modelPath,
                gradientSteps, List.copyOf(evaluations), List.copyOf(timeline), problem, probe, announcement);
    }
}
