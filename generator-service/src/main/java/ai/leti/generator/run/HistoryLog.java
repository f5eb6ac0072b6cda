package ai.leti.generator.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import ai.leti.common.json.Jsonl;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunHistory;

/** Appends a run's {@link RunHistory} events to {@code <state>/<run>/history.jsonl} as the run goes. */
public final class HistoryLog {

    private final Path file;

    public HistoryLog(Path runDirectory) {
        this.file = runDirectory.resolve(RunHistory.FILE);
    }

    public void iteration(IterationStats stats, long sampledTokens) {
        append(RunHistory.IterationEvent.of(stats, sampledTokens));
    }

    public void evaluation(Evaluation evaluation) {
        append(RunHistory.EvaluationEvent.of(evaluation));
    }

    private synchronized void append(Object event) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Jsonl.MAPPER.writeValueAsString(event) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    public Path file() {
        return file;
    }
}
