package ai.leti.generator.sampler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.ModelSource;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;
import ai.leti.model.sampling.TextSampler;

/**
 * The one model a sampler samples from, swapped when work names another: a checkpoint is fetched into
 * {@code <state>/sampler/<run>/iteration-N}, every file verified against its announcement, loaded, and only then put
 * in place of the old model (which is closed, and its files deleted). A base model is read where it lies, which must
 * be under the data roots.
 */
@Component
@Roles.Sampler
class SamplerModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SamplerModel.class);
    private static final int FETCH_ATTEMPTS = 3;

    /** The model in use, with the sampling routine on it. */
    record Loaded(String key, LoadedModel model, TextSampler<WorkSampler.Sample> sampler, Path fetched) {
    }

    /** The model cannot be verified (a digest that does not match, files that cannot be fetched): its work is dead-lettered. */
    static final class UnverifiableModelException extends Exception {
        UnverifiableModelException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A verified model did not load here (memory, a device): this sampler leaves the work to others. */
    static final class ModelLoadException extends RuntimeException {
        ModelLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final CheckpointFetcher fetcher;
    private final GeneratorProperties properties;
    private final SamplerMetrics metrics;
    private Loaded current;

    SamplerModel(CheckpointFetcher fetcher, GeneratorProperties properties, SamplerMetrics metrics) {
        this.fetcher = fetcher;
        this.properties = properties;
        this.metrics = metrics;
    }

    /** The model {@code source} names: the current one if it is that, else fetched, verified, loaded and swapped in. */
    synchronized Loaded use(ModelSource source) throws UnverifiableModelException {
        if (current != null && current.key().equals(source.key())) {
            return current;
        }
        long started = System.nanoTime();
        Path directory;
        Path fetched = null;
        if (source.checkpoint() == null) {
            directory = baseModel(source.path());
        } else {
            fetched = properties.state().resolve("sampler").resolve(source.checkpoint().runId())
                    .resolve("iteration-" + source.iteration());
            directory = fetch(source, fetched);
        }
        LoadedModel model;
        try {
            model = LoadedModel.load(source.iteration(), source.key(), directory, properties.device());
        } catch (RuntimeException e) {
            throw new ModelLoadException("cannot load " + directory + ": " + e.getMessage(), e);
        }
        Loaded next = new Loaded(source.key(), model,
                new TextSampler<>(model.model(), model.tokenizer(), properties.precision(), properties.samplingBatch()), fetched);
        Loaded old = current;
        current = next;
        if (old != null) {
            close(old);
        }
        metrics.swapped(System.nanoTime() - started);
        log.info("sampler {} swapped to {} (iteration {})", properties.samplerId(), directory, source.iteration());
        return current;
    }

    private Path baseModel(String path) throws UnverifiableModelException {
        Path directory = Path.of(path).toAbsolutePath().normalize();
        boolean allowed = Stream.concat(properties.dataRoots().stream(), Stream.of(properties.state()))
                .map(root -> root.toAbsolutePath().normalize()).anyMatch(directory::startsWith);
        if (!allowed) {
            throw new UnverifiableModelException("base model " + path + " is outside the data roots " + properties.dataRoots(),
                    null);
        }
        return directory;
    }

    private Path fetch(ModelSource source, Path target) throws UnverifiableModelException {
        IOException last = null;
        for (int attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
            try {
                fetcher.discard(target); // what an interrupted fetch may have left is not trusted
                return fetcher.fetch(source.checkpoint(), target);
            } catch (IOException e) {
                last = e;
                log.warn("sampler {}: fetching the checkpoint of iteration {} failed (attempt {} of {}): {}",
                        properties.samplerId(), source.iteration(), attempt, FETCH_ATTEMPTS, e.getMessage());
                pause(attempt);
            }
        }
        throw new UnverifiableModelException("the checkpoint of iteration " + source.iteration() + " of run "
                + source.checkpoint().runId() + " failed verification " + FETCH_ATTEMPTS + " times: " + last.getMessage(), last);
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(1000L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void close(Loaded loaded) {
        loaded.sampler().close();
        loaded.model().close();
        if (loaded.fetched() != null) {
            try {
                fetcher.discard(loaded.fetched());
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", loaded.fetched(), e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            close(current);
            current = null;
        }
    }
}
