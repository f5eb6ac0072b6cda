package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.node.ObjectNode;

/** A run with regularization names its plain-code corpus, and never its own task or evaluation file. */
class RunRegistryCorpusTest {

    private static RunRequest preset(java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectNode json = (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(Path.of("..", "presets", "mbpp-paper.json")));
        change.accept(json);
        return Jsonl.MAPPER.treeToValue(json, RunRequest.class);
    }

    @Test
    void thePresetsNameTheImagesStandardLibrary() {
        assertThatCode(() -> RunFiles.checkCorpus(preset(json -> { }))).doesNotThrowAnyException();
    }

    @Test
    void regularizationWithoutACorpusIsRefusedNamingTheField() {
        assertThatThrownBy(() -> RunFiles.checkCorpus(preset(json -> json.remove("regularizationCorpus"))))
                .isInstanceOf(RunRegistry.InvalidRunException.class)
                .hasMessageContaining("required when regularizationRatio > 0").hasMessageContaining("never a task file")
                .extracting(e -> ((RunRegistry.InvalidRunException) e).field()).isEqualTo("regularizationCorpus");
        assertThatCode(() -> RunFiles.checkCorpus(preset(json -> json.put("regularizationRatio", 0)
                .remove("regularizationCorpus")))).as("no regularization, no corpus").doesNotThrowAnyException();
    }

    @Test
    void theRunsOwnTaskOrEvaluationFileIsNeverItsCorpus() {
        for (String file : new String[] {"taskFile", "evaluationFile"}) {
            assertThatThrownBy(() -> RunFiles.checkCorpus(preset(json -> json.put("regularizationCorpus",
                    json.get(file).asString())))).hasMessageContaining("ground truth");
        }
    }
}
