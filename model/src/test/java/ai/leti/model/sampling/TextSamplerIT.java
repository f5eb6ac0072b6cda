package ai.leti.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;
import ai.leti.model.nn.Precision;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import tools.jackson.databind.node.ObjectNode;

/** The one sampling routine of the generator and the command line, on a real (random) model and a real tokenizer. */
class TextSamplerIT {

    private static final List<String> PROMPTS = List.of("def add(a, b):\n", "x = [", "print(", "def f(x):\n    return",
            "import os\n", "y = x * ");

    @TempDir
    static Path dir;
    private static LetiTokenizer tokenizer;
    private static CausalLm model;

    @BeforeAll
    static void modelAndTokenizer() {
        List<String> corpus = List.of("def add(a, b):\n    return a + b\n", "print('hello, world')\n",
                "x = [i * i for i in range(10)]\n", "import os\nprint(os.getcwd())\n");
        BpeTrainer.train(corpus, 290, List.of(LetiTokenizer.END_OF_TEXT), dir.resolve(LetiTokenizer.FILE));
        tokenizer = LetiTokenizer.open(dir);
        ObjectNode json = TinyModels.llama().json().deepCopy();
        json.put("vocab_size", tokenizer.size());
        model = Models.random(ModelConfig.parse(json, "test"), Device.cpu(), DataType.FLOAT32, 5);
    }

    @AfterAll
    static void close() {
        model.close();
        tokenizer.close();
    }

    private static Map<Integer, String> sample(int batch, List<String> stops, SamplingSettings settings) {
        Map<Integer, String> completions = new TreeMap<>();
        try (TextSampler<Integer> sampler = new TextSampler<>(model, tokenizer, Precision.F32, batch)) {
            sampler.sample(IntStream.range(0, PROMPTS.size()).boxed().toList(), PROMPTS::get, settings, stops,
                    (item, index) -> Prompt.seedOf(7, index),
                    () -> false, sampled -> completions.put(sampled.item(), sampled.completion()));
        }
        return completions;
    }

    @Test
    void everyItemGetsItsOwnCompletionWhateverTheBatch() {
        for (SamplingSettings settings : List.of(SamplingSettings.of(0, 1, 10, 0), SamplingSettings.of(1.0, 0.95, 10, 0))) {
            Map<Integer, String> inTwos = sample(2, List.of(), settings);
            assertThat(inTwos).hasSize(PROMPTS.size());
            assertThat(sample(4, List.of(), settings)).as("the same completion per item with 4 rows").isEqualTo(inTwos);
            assertThat(sample(1, List.of(), settings)).as("and one at a time").isEqualTo(inTwos);
        }
    }

    @Test
    void aCompletionEndsBeforeItsFirstStopSequence() {
        SamplingSettings settings = SamplingSettings.of(1.0, 1.0, 24, 0);
        Map<Integer, String> free = sample(3, List.of(), settings);
        String stop = free.values().stream().filter(text -> text.length() > 2).findFirst().orElseThrow().substring(1, 2);
        Map<Integer, String> cut = sample(3, List.of(stop), settings);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(cut.get(i)).doesNotContain(stop);
            assertThat(free.get(i)).startsWith(cut.get(i)); // same seeds: the same text up to the stop
        }
    }

    @Test
    void cancellingBetweenStepsEndsSamplingWithWhatWasDone() {
        List<Integer> seen = new ArrayList<>();
        try (TextSampler<Integer> sampler = new TextSampler<>(model, tokenizer, Precision.F32, 2)) {
            assertThatThrownBy(() -> sampler.sample(IntStream.range(0, PROMPTS.size()).boxed().toList(), PROMPTS::get,
                    SamplingSettings.of(0, 1, 4, 0), List.of(), (item, index) -> index, () -> seen.size() >= 2, sampled -> seen.add(sampled.item())))
                    .isInstanceOf(CancellationException.class);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1);
    }
}
