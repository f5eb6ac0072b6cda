package ai.leti.generator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import ai.leti.common.json.Jsonl;
import ai.leti.generator.run.RunRequest;
import jakarta.validation.Validation;
import jakarta.validation.Validator;

/** The run presets in {@code presets/} are requests the API accepts. */
class PresetsTest {

    @Test
    void everyPresetIsAValidRunRequest() throws Exception {
        List<Path> presets;
        try (Stream<Path> files = Files.list(Path.of("..", "presets"))) {
            presets = files.filter(path -> path.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(presets).hasSizeGreaterThanOrEqualTo(4);
        try (var factory = Validation.buildDefaultValidatorFactory()) {
            Validator validator = factory.getValidator();
            for (Path preset : presets) {
                RunRequest request = Jsonl.MAPPER.readValue(Files.readString(preset), RunRequest.class);
                assertThat(validator.validate(request)).as(preset.toString()).isEmpty();
                assertThat(request.batchOrder()).as("the authors' batches").isEqualTo("generation");
                if (request.mode() == ai.leti.common.leti.FeedbackMode.REFERENCE) {
                    // the authors' ground-truth baseline: their own settings, not LETI's
                    assertThat(request.epochs()).isEqualTo(30);
                    assertThat(request.learningRate()).isEqualTo(1e-4);
                    assertThat(request.regularizationRatio()).isZero();
                    continue;
                }
                assertThat(request.samplesPerTask()).as(preset.toString()).isEqualTo(128);
                assertThat(request.maxNewTokens()).isEqualTo(512);
                assertThat(request.batchSize()).isEqualTo(128);
                assertThat(request.epochs()).isEqualTo(3);
                assertThat(request.regularizationCorpus()).as("plain code, no download").isEqualTo("stdlib");
                assertThat(request.trainingText()).as("the authors' texts: raw generations, no end-of-text").isEqualTo("raw");
                if (request.evaluationFile().contains("HumanEval")) {
                    assertThat(request.evaluationTopP()).isEqualTo(0.95);
                    assertThat(request.evaluationStopSequences()).containsExactly("\ndef", "\nclass", "\nif", "\n#",
                            "\n@", "\nprint");
                }
            }
        }
    }
}
