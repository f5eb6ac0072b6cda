package ai.leti.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;

/** A byte-level BPE trained here, loaded through Hugging Face tokenizers, and LETI's tokens added to it. */
class LetiTokenizerIT {

    @TempDir
    Path dir;

    private static final String PROGRAM = "def add_one(values):\n    result = []\n    for value in values:\n"
            + "        result.append(value + 1)\n    return result\n\n\nassert add_one([1, 2]) == [2, 3]\n";

    private static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            texts.add(PROGRAM.replace("add_one", "add_" + i).replace("1", Integer.toString(i)));
            texts.add("class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n");
        }
        return texts;
    }

    @Test
    void trainsATokenizerThatRoundTripsCodeExactly() {
        BpeTrainer.train(corpus(), 400, List.of(LetiTokenizer.END_OF_TEXT), dir.resolve(LetiTokenizer.FILE));
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            for (String text : List.of(PROGRAM, "x\t=  'ünïcode ✓'\r\n    \n", "\"\"\"\nDocstring.\n\"\"\"\n")) {
                assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
            }
            int[] ids = tokenizer.encode(PROGRAM);
            assertThat(ids.length).as("merges compress the code").isLessThan(PROGRAM.length() / 2);
            assertThat(tokenizer.endOfText()).isZero();
        }
    }

    @Test
    void addsLetiSpecialTokensOnceAsSingleIds() throws Exception {
        BpeTrainer.train(corpus(), 300, List.of(LetiTokenizer.END_OF_TEXT), dir.resolve(LetiTokenizer.FILE));
        int size;
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            size = tokenizer.size();
            assertThat(size).isEqualTo(300 + 4);
            int good = tokenizer.id(LetiTokenizer.GOOD);
            int open = tokenizer.id(LetiTokenizer.FEEDBACK_OPEN);
            int close = tokenizer.id(LetiTokenizer.FEEDBACK_CLOSE);
            String text = LetiTokenizer.GOOD + "def f():" + LetiTokenizer.FEEDBACK_OPEN + "Timeout" + LetiTokenizer.FEEDBACK_CLOSE;
            int[] ids = tokenizer.encode(text);
            assertThat(ids[0]).isEqualTo(good);
            assertThat(ids).contains(open, close);
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
            tokenizer.save(dir.resolve("saved"));
        }
        try (LetiTokenizer again = LetiTokenizer.open(dir.resolve("saved"))) {
            assertThat(again.size()).as("already present: nothing added twice").isEqualTo(size);
        }
        assertThat(Files.readString(dir.resolve("saved").resolve(LetiTokenizer.FILE))).contains("<|bad|>");
    }

    @Test
    void growsTheEmbeddingForNewTokensWithTheMeanRow() {
        Path checkpoint = dir.resolve("model");
        try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(checkpoint);
        }
        int grown = TinyModels.VOCAB + 4;
        try (CausalLm model = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32, grown)) {
            assertThat(model.config().vocabSize()).isEqualTo(grown);
            NDArray embedding = model.parameters().get("model.embed_tokens.weight");
            assertThat(embedding.getShape().get(0)).isEqualTo(grown);
            float[] mean = embedding.get(":{}", TinyModels.VOCAB).mean(new int[] {0}).toFloatArray();
            float[] added = embedding.get(TinyModels.VOCAB + 2).toFloatArray();
            for (int i = 0; i < mean.length; i++) {
                assertThat(added[i]).isCloseTo(mean[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
            assertThat(model.parameters().get("lm_head.weight").getShape().get(0)).isEqualTo(grown);
            model.save(dir.resolve("resized"));
        }
        assertThat(ai.leti.model.ModelConfig.read(dir.resolve("resized")).vocabSize()).isEqualTo(grown);
    }
}
