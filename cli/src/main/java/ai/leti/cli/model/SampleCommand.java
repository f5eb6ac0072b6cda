package ai.leti.cli.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Prints a model's completion of a prompt (temperature 0 = greedy).")
public final class SampleCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", required = true)
    String prompt;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--stop", description = "Stop sequence (repeatable); the completion ends before it.")
    List<String> stops = new ArrayList<>();

    @Override
    public Integer call() {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt: empty (the model needs at least one token to continue)");
        }
        String[] text = new String[1];
        model.<String>withSampler(1, sampler -> model.sample(sampler, List.of(prompt), p -> p, temperature, stops,
                sampled -> text[0] = sampled.completion()));
        System.out.println(text[0]);
        return 0;
    }
}
