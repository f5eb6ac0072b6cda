package ai.leti.generator.checkpoint;

import java.nio.file.Path;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.LetiTokenizer;

/** A checkpoint loaded for sampling: the model with its tokenizer, and where it came from. */
public record LoadedModel(int iteration, String source, CausalLm model, LetiTokenizer tokenizer) implements AutoCloseable {

    public static LoadedModel load(int iteration, String source, Path directory, String device) {
        LetiTokenizer tokenizer = LetiTokenizer.open(directory);
        try {
            CausalLm model = Models.load(directory, Device.fromName(device), DataType.FLOAT32, tokenizer);
            return new LoadedModel(iteration, source, model, tokenizer);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
