package ai.leti.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;
import ai.leti.model.nn.Precision;

/** Batched generation with the KV cache on real (random) models of each family. */
class SamplerIT {

    private static final List<int[]> PROMPTS = List.of(new int[] {5, 9, 13, 2, 40, 41}, new int[] {7}, new int[] {30, 31, 32});
    private static final int EOS = 60;
    private static CausalLm llama;
    private static CausalLm gpt2;
    private static CausalLm codegen;

    @BeforeAll
    static void models() {
        llama = Models.random(TinyModels.qwen2(), Device.cpu(), DataType.FLOAT32, 11);
        gpt2 = Models.random(TinyModels.gpt2(), Device.cpu(), DataType.FLOAT32, 12);
        codegen = Models.random(TinyModels.codegen(), Device.cpu(), DataType.FLOAT32, 13);
    }

    @AfterAll
    static void close() {
        llama.close();
        gpt2.close();
        codegen.close();
    }

    private static Map<Integer, Completion> generate(CausalLm model, List<int[]> prompts, SamplingSettings settings) {
        Map<Integer, Completion> completions = new TreeMap<>();
        new Sampler(model, EOS).generate(prompts, settings, null, completion -> completions.put(completion.index(), completion));
        return completions;
    }

    @Test
    void greedyIsDeterministicAndABatchEqualsEachPromptAlone() {
        for (CausalLm model : List.of(llama, gpt2, codegen)) {
            SamplingSettings greedy = SamplingSettings.of(0, 1, 12, 0);
            Map<Integer, Completion> batched = generate(model, PROMPTS, greedy);
            assertThat(generate(model, PROMPTS, greedy).values()).extracting(Completion::tokens)
                    .containsExactlyElementsOf(batched.values().stream().map(Completion::tokens).toList());
            for (int i = 0; i < PROMPTS.size(); i++) {
                Completion alone = generate(model, List.of(PROMPTS.get(i)), greedy).get(0);
                assertThat(alone.tokens()).as("prompt %d alone vs left-padded in a batch", i)
                        .containsExactly(batched.get(i).tokens());
            }
        }
    }

    @Test
    void theCacheChangesNothingButSpeed() {
        SamplingSettings cached = SamplingSettings.of(0, 1, 10, 0);
        SamplingSettings uncached = new SamplingSettings(0, 1, 10, 0, false);
        for (CausalLm model : List.of(llama, gpt2)) {
            assertThat(generate(model, PROMPTS, uncached).values()).extracting(Completion::tokens)
                    .containsExactlyElementsOf(generate(model, PROMPTS, cached).values().stream().map(Completion::tokens).toList());
        }
    }

    @Test
    void theSameSeedGivesTheSameSamples() {
        SamplingSettings first = SamplingSettings.of(1.0, 0.95, 16, 42);
        List<int[]> a = generate(llama, PROMPTS, first).values().stream().map(Completion::tokens).toList();
        List<int[]> b = generate(llama, PROMPTS, first).values().stream().map(Completion::tokens).toList();
        List<int[]> other = generate(llama, PROMPTS, SamplingSettings.of(1.0, 0.95, 16, 43)).values().stream()
                .map(Completion::tokens).toList();
        assertThat(b).containsExactlyElementsOf(a);
        assertThat(other).isNotEqualTo(a);
    }

    @Test
    void stopsEachRowOnItsOwnAndStreamsCompletionsAsTheyFinish() {
        List<Completion> order = new ArrayList<>();
        // every row stops once it wrote 3 tokens, or earlier at EOS
        new Sampler(llama, EOS).generate(PROMPTS, SamplingSettings.of(1.0, 1.0, 8, 5),
                generated -> generated.length == 3, order::add);
        assertThat(order).hasSize(3);
        assertThat(order).allSatisfy(completion -> {
            if (completion.reason() == Completion.FinishReason.STOP) {
                assertThat(completion.tokens()).hasSize(3);
            } else {
                assertThat(completion.reason()).isEqualTo(Completion.FinishReason.EOS);
                assertThat(completion.tokens().length).isLessThan(3);
            }
        });
        Map<Integer, Completion> limited = generate(llama, PROMPTS, SamplingSettings.of(0, 1, 4, 0));
        assertThat(limited.values()).allSatisfy(completion -> assertThat(completion.tokens().length).isLessThanOrEqualTo(4));
    }

    /** Twelve prompts of 1..9 tokens whose rows end at lengths of 2..18 tokens (or earlier at EOS). */
    private static List<Prompt> mixedPrompts(long seed) {
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int[] tokens = new int[1 + (i * 5) % 9];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = 1 + (i * 13 + t * 7) % 50;
            }
            prompts.add(new Prompt(tokens, Prompt.seedOf(seed, i)));
        }
        return prompts;
    }

    private static final StopRule LONG_TAILED = (index, generated) -> generated.length == 2 + (index * 7) % 17;

    private static Map<Integer, List<Integer>> run(CausalLm model, List<Prompt> prompts, SamplingSettings settings, int slots) {
        Map<Integer, List<Integer>> completions = new TreeMap<>();
        Sampler sampler = new Sampler(model, EOS);
        Consumer<Completion> keep = completion -> completions.put(completion.index(),
                Arrays.stream(completion.tokens()).boxed().toList());
        if (slots == 0) {
            sampler.generate(prompts, settings, LONG_TAILED, keep);
        } else {
            sampler.stream(prompts, slots, settings, LONG_TAILED, () -> false, keep);
        }
        sampler.close();
        return completions;
    }

    @Test
    void continuousBatchingGivesEachPromptWhatStaticBatchingGives() {
        for (CausalLm model : List.of(llama, gpt2, codegen)) {
            for (SamplingSettings settings : List.of(SamplingSettings.of(0, 1, 20, 0), SamplingSettings.of(1.0, 0.9, 20, 0))) {
                List<Prompt> prompts = mixedPrompts(3);
                Map<Integer, List<Integer>> all = run(model, prompts, settings, 0);
                assertThat(all).hasSize(prompts.size());
                // 3 rows over 12 prompts: rows refill, the columns run out and are compacted, the batch drains
                assertThat(run(model, prompts, settings, 3)).as("%s, temperature %s, 3 rows", model.config().family(),
                        settings.temperature()).isEqualTo(all);
                assertThat(run(model, prompts, settings, 1)).as("one row").isEqualTo(all);
                assertThat(run(model, prompts, settings, 16)).as("more rows than prompts").isEqualTo(all);
            }
        }
    }

    @Test
    void onTheBf16KernelToo() {
        for (CausalLm model : List.of(llama, codegen)) {
            try (Precision.Scope bf16 = Precision.use(Precision.BF16)) {
                SamplingSettings settings = SamplingSettings.of(1.0, 0.9, 20, 0);
                List<Prompt> prompts = mixedPrompts(4);
                assertThat(run(model, prompts, settings, 3)).as("%s", model.config().family())
                        .isEqualTo(run(model, prompts, settings, 0));
            }
        }
    }

    @Test
    void continuousBatchingCanBeCancelledBetweenSteps() {
        List<Integer> done = new ArrayList<>();
        Sampler sampler = new Sampler(llama, EOS);
        assertThatThrownBy(() -> sampler.stream(mixedPrompts(1), 2, SamplingSettings.of(0, 1, 20, 0), LONG_TAILED,
                () -> done.size() >= 3, completion -> done.add(completion.index())))
                .isInstanceOf(CancellationException.class);
        assertThat(done).hasSizeBetween(3, 4);
        sampler.close();
    }
}
