package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Prompt;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.TextSampler;
import ai.leti.model.tokenizer.LetiTokenizer;
import picocli.CommandLine.Option;

/**
 * The options every command that samples from a checkpoint shares ({@code sample}, {@code generate}): which
 * checkpoint, on which device, in which precision, and how far and from which seed it samples. Each command keeps the
 * options whose defaults differ (temperature, stop sequences).
 */
public final class ModelOptions {

    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "bf16",
            description = "bf16: Llama-family and CodeGen models sample on a BF16 decode kernel; f32: float32 throughout (default: ${DEFAULT-VALUE}).")
    Precision precision;

    SamplingSettings settings(double temperature) {
        return SamplingSettings.of(temperature, topP, maxNewTokens, seed);
    }

    /** Loads the checkpoint and hands {@link TextSampler} on it, {@code batch} prompts at a time, to {@code work}. */
    <T> void withSampler(int batch, Consumer<TextSampler<T>> work) {
        try (LetiTokenizer tokenizer = LetiTokenizer.open(model);
             CausalLm lm = Models.load(model, Device.fromName(device), DataType.FLOAT32, tokenizer);
             TextSampler<T> sampler = new TextSampler<>(lm, tokenizer, precision, batch)) {
            work.accept(sampler);
        }
    }

    /** Samples one completion per item with {@code sampler}, item {@code i} from the stream {@code Prompt.seedOf(seed, i)}. */
    <T> void sample(TextSampler<T> sampler, List<T> items, java.util.function.Function<T, String> promptOf,
            double temperature, List<String> stops, Consumer<TextSampler.Sampled<T>> onSampled) {
        sampler.sample(items, promptOf, settings(temperature), stops, (item, index) -> Prompt.seedOf(seed, index), () -> false, onSampled);
    }
}
