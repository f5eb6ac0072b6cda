package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Completion;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.StopSequences;
import ai.leti.model.tokenizer.LetiTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Prints a model's completion of a prompt (temperature 0 = greedy).")
public final class SampleCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--prompt", required = true)
    String prompt;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--stop", description = "Stop sequence (repeatable); the completion ends before it.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "bf16",
            description = "bf16: Llama-family and CodeGen models sample on a BF16 decode kernel; f32: float32 throughout (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Override
    public Integer call() {
        SamplingSettings settings = SamplingSettings.of(temperature, topP, maxNewTokens, seed);
        try (LetiTokenizer tokenizer = LetiTokenizer.open(model);
             CausalLm lm = Models.load(model, Device.fromName(device), DataType.FLOAT32, tokenizer);
             Precision.Scope scope = Precision.use(precision)) {
            int[] ids = tokenizer.encode(prompt);
            if (ids.length == 0) {
                throw new IllegalArgumentException("--prompt: encodes to no tokens");
            }
            String[] text = new String[1];
            StopSequences stop = new StopSequences(stops);
            try (Sampler sampler = new Sampler(lm, tokenizer.endOfText())) {
                sampler.generate(List.of(ids), settings, generated -> stop.indexIn(tokenizer.decode(generated)) >= 0,
                        (Completion completion) -> text[0] = stop.cut(tokenizer.decode(completion.tokens())));
            }
            System.out.println(text[0]);
        }
        return 0;
    }

}
