package ai.leti.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.leti.common.json.Jsonl;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.JsonNode;

/**
 * Real tokenizers through {@link LetiTokenizer}: Qwen3's and Llama 3's tokenizer.json, GPT-2's encoder.json and
 * vocab.bpe, and CodeGen's (GPT-2's plus runs of spaces and tabs), both written by {@link Gpt2Vocabulary}. On
 * MBPP and HumanEval programs, hand-written edge cases (non-ASCII names and strings, emoji, CJK, runs of 2..40
 * spaces, tabs, {@code \r\n}, trailing whitespace) and seeded random strings, the ids must equal token for token
 * those of transformers.js's tokenizers run in node ({@code src/test/resources/reference/tokenizer_reference.mjs},
 * an implementation independent of the Rust crate DJL binds), and for GPT-2 those of gpt-3-encoder (a port of
 * OpenAI's encoder.py); decodes must be equal and give the text back wherever the reference's do. LETI's tokens
 * leave every id unchanged, special tokens are those the files name, and the saved files load in the reference
 * with the same ids. The fixtures come from {@code fetch_tokenizers.sh} ({@code ./leti setup}) into the folder
 * the {@code leti.tokenizers} property names; the tests skip without them or without node.
 */
class RealTokenizersIT {

    private static final Path FIXTURES = Path.of(System.getProperty("leti.tokenizers", "../.leti/tokenizers"));
    private static final Path DATASETS = Path.of("..", "..", "shared", "datasets");
    /**
     * Where transformers.js differs from Hugging Face's Rust and Python tokenizers: JavaScript's {@code \s} holds
     * U+FEFF and lacks U+0085, Unicode's White_Space (Rust's and Python's regex) the other way round. Texts with
     * them are checked against Python's rule instead ({@link #splitsOnUnicodeWhiteSpaceAsPythonDoes}).
     */
    private static final Pattern JS_WHITESPACE_DIFFERS = Pattern.compile("[\\x{85}\\x{FEFF}]");

    @TempDir
    static Path dir;

    private static final Map<String, Run> RUNS = new HashMap<>();

    /** A tokenizer's files, its LetiTokenizer (open for the class), its saved copy and the reference's answers. */
    private record Run(Path source, LetiTokenizer tokenizer, Path saved, List<String> texts, List<int[]> ids,
                       List<String> decoded, JsonNode reference, JsonNode savedReference) {
    }

    @BeforeAll
    static void needsFixturesAndNode() throws Exception {
        assumeTrue(Files.isDirectory(FIXTURES.resolve("tokenizers")),
                "no tokenizer fixtures in " + FIXTURES.toAbsolutePath() + ": ./leti setup fetches them");
        boolean node;
        try {
            Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            node = probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            node = false;
        }
        assumeTrue(node, "node is not installed: the JavaScript reference cannot run");
    }

    @AfterAll
    static void closeTokenizers() {
        RUNS.values().forEach(run -> run.tokenizer().close());
    }

    private static Path source(String name) {
        return switch (name) {
            case "qwen3" -> FIXTURES.resolve("tokenizer-qwen3/models");
            case "llama3" -> FIXTURES.resolve("tokenizer-llama3/models");
            case "gpt2", "codegen" -> {
                Path out = dir.resolve(name);
                if (!Files.exists(out.resolve(LetiTokenizer.FILE))) {
                    Gpt2Vocabulary.write(FIXTURES.resolve("gpt-3-encoder/encoder.json"),
                            FIXTURES.resolve("gpt-3-encoder/vocab.bpe"), name.equals("codegen"), out);
                }
                yield out;
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static synchronized Run run(String name) {
        return RUNS.computeIfAbsent(name, key -> {
            try {
                Path source = source(name);
                LetiTokenizer tokenizer = LetiTokenizer.open(source);
                Path saved = dir.resolve("saved-" + name);
                tokenizer.save(saved);
                List<String> texts = corpus();
                List<int[]> ids = texts.stream().map(tokenizer::encode).toList();
                List<String> decoded = ids.stream().map(tokenizer::decode).toList();
                return new Run(source, tokenizer, saved, texts, ids, decoded, reference(source, texts, name.equals("gpt2")),
                        reference(saved, texts, false));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Programs as LETI sees them (prompt and reference solution), edge cases, and seeded random strings. */
    static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        Path mbpp = DATASETS.resolve("mbpp.jsonl");
        Path humanEval = DATASETS.resolve("HumanEval.jsonl");
        assumeTrue(Files.exists(mbpp) && Files.exists(humanEval), "MBPP and HumanEval not in " + DATASETS);
        List<Task> mbppTasks = new ArrayList<>(TaskFiles.read(mbpp).values());
        for (int i = 0; i < mbppTasks.size(); i += 10) {
            texts.add(mbppTasks.get(i).prompt() + mbppTasks.get(i).referenceCompletion());
        }
        List<Task> humanEvalTasks = new ArrayList<>(TaskFiles.read(humanEval).values());
        for (int i = 0; i < humanEvalTasks.size(); i += 8) {
            texts.add(humanEvalTasks.get(i).prompt() + humanEvalTasks.get(i).referenceCompletion());
        }
        StringBuilder indents = new StringBuilder();
        StringBuilder trailing = new StringBuilder();
        for (int n = 2; n <= 40; n++) {
            indents.append(" ".repeat(n)).append("y").append(n).append(" = ").append(n).append('\n');
            trailing.append("x = 1").append(" ".repeat(n)).append('\n');
        }
        texts.addAll(List.of(indents.toString(), trailing.toString(), "x = 1" + " ".repeat(40),
                "def grüße(名前):\n    return f\"Grüße, {名前}! 👋🏽\"\n",
                "# 计算两个数的和\ndef 和(a, b):\n    return a + b  # 和\n",
                "رسالة = \"مرحبا\"  # Arabic\nпривет = \"мир\"\n",
                "emoji = \"👨‍👩‍👧‍👦 🏳️‍🌈 ✓ ✗ → ∑\"\n",
                "\tif x:\n\t\treturn\t1\n" + "\t".repeat(11) + "pass\n\t \t  \t\n",
                "a = 1\r\nb = 2\r\n\r\n    c = 3\r\n\r",
                "def f():   \n    pass    \n\n   \n",
                "it's IT'S we'll WE'LL they're\n",
                "1234567890 3.14159 1e-10 0x1F\n",
                "s = \"caf\u00e9 cafe\u0301\"\n", // NFC (Qwen's normaliser) changes the second
                "x\u00a0=\u00a01\u3000# no-break and ideographic spaces\u2028\n",
                "#".repeat(80) + "\n" + "=".repeat(200) + "\n",
                "x = \"\\u00e9\\n\\t\"\n\f\u000b\u001c\u001f\n",
                "print(\"<|endoftext|>\")\n",
                LetiTokenizer.GOOD + "def f():\n    return 1" + LetiTokenizer.FEEDBACK_OPEN + "Timeout"
                        + LetiTokenizer.FEEDBACK_CLOSE + "\n" + LetiTokenizer.BAD,
                "", " ", "\n\n\n"));
        List<String> pieces = new ArrayList<>(List.of("abcXYZ_019 ()[]{}:;,.'\"#=+-*/\\<>|!?@$%^&~`".split("")));
        pieces.addAll(List.of(" ", " ", " ", " ", "\t", "\n", "\r", "\r\n", "\u000b", "\f", "\u00a0", "\u2028", "\u3000",
                "\u200b", "\u200d", "\u00ad", "é", "ü", "ß", "名", "和", "世", "한", "п", "😀", "👋🏽", "🏳️‍🌈", "∑", "½", "²",
                "٣", "Ⅻ", "\u0301", "ǅ", "İ", "ﬁ", "'s", "'S", "'ll", "'LL", "'re", "'Ve", " ".repeat(5), " ".repeat(17),
                "\t\t\t", "12345678", "<|endoftext|>", "<|im_end|>", "<|begin_of_text|>"));
        Random random = new Random(11);
        for (int i = 0; i < 300; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = 1 + random.nextInt(60); n > 0; n--) {
                text.append(pieces.get(random.nextInt(pieces.size())));
            }
            texts.add(text.toString());
        }
        return texts;
    }

    private static JsonNode reference(Path tokenizerDir, List<String> texts, boolean gpt3Encoder)
            throws IOException, InterruptedException {
        Path script = dir.resolve("tokenizer_reference.mjs");
        if (!Files.exists(script)) {
            try (InputStream resource = RealTokenizersIT.class.getResourceAsStream("/reference/tokenizer_reference.mjs")) {
                Files.copy(resource, script);
            }
        }
        Path input = Files.createTempFile(dir, "request", ".json");
        Path output = Files.createTempFile(dir, "response", ".json");
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("tokenizer", tokenizerDir.resolve(LetiTokenizer.FILE).toAbsolutePath().toString());
        request.put("tokenizer_config", tokenizerDir.resolve(SpecialTokens.CONFIG_FILE).toAbsolutePath().toString());
        request.put("texts", texts);
        request.put("gpt3_encoder", gpt3Encoder);
        Files.writeString(input, Jsonl.MAPPER.writeValueAsString(request));
        Process process = new ProcessBuilder("node", script.toString(), "--tokenizers", FIXTURES.toAbsolutePath().toString(),
                "--input", input.toString(), "--output", output.toString()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        return Jsonl.MAPPER.readTree(Files.readString(output));
    }

    private static int[] ints(JsonNode array) {
        return IntStream.range(0, array.size()).map(i -> array.get(i).asInt()).toArray();
    }

    private static String show(String text) {
        return Jsonl.MAPPER.writeValueAsString(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "gpt2", "codegen"})
    void encodesAndDecodesExactlyAsTransformersJs(String name) {
        Run run = run(name);
        int compared = 0;
        int roundTrips = 0;
        for (int i = 0; i < run.texts().size(); i++) {
            String text = run.texts().get(i);
            if (JS_WHITESPACE_DIFFERS.matcher(text).find()) {
                continue;
            }
            // the source files lack LETI's tokens: those texts are compared on the saved files only
            boolean leti = LetiTokenizer.LETI_TOKENS.stream().anyMatch(text::contains);
            for (JsonNode reference : leti ? List.of(run.savedReference()) : List.of(run.reference(), run.savedReference())) {
                assertThat(run.ids().get(i)).as("%s ids of %s", name, show(text))
                        .containsExactly(ints(reference.get("encodings").get(i)));
                assertThat(run.decoded().get(i)).as("%s decode of %s", name, show(text))
                        .isEqualTo(reference.get("decodings").get(i).asString());
            }
            if (run.savedReference().get("decodings").get(i).asString().equals(text)) {
                assertThat(run.decoded().get(i)).as("%s round trip of %s", name, show(text)).isEqualTo(text);
                roundTrips++;
            }
            compared++;
        }
        assertThat(compared).as("texts compared").isGreaterThan(400);
        assertThat(roundTrips).as("texts that come back unchanged").isGreaterThan(compared * 9 / 10);
    }

    @Test
    void encodesGpt2AsGpt3EncoderDoes() {
        Run run = run("gpt2");
        JsonNode gpt3 = run.reference().get("gpt3_encoder");
        int compared = 0;
        for (int i = 0; i < run.texts().size(); i++) {
            String text = run.texts().get(i);
            // gpt-3-encoder knows no special tokens, and splits with JavaScript's \s
            if (text.contains("<|") || JS_WHITESPACE_DIFFERS.matcher(text).find()) {
                continue;
            }
            assertThat(run.ids().get(i)).as("ids of %s", show(text)).containsExactly(ints(gpt3.get("encodings").get(i)));
            assertThat(run.decoded().get(i)).as("decode of %s", show(text)).isEqualTo(gpt3.get("decodings").get(i).asString())
                    .isEqualTo(text);
            compared++;
        }
        assertThat(compared).isGreaterThan(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "gpt2", "codegen"})
    void keepsEveryIdAndPutsLetiTokensBeyondTheHighest(String name) throws IOException {
        Run run = run(name);
        JsonNode source = Jsonl.MAPPER.readTree(Files.readString(run.source().resolve(LetiTokenizer.FILE)));
        JsonNode saved = Jsonl.MAPPER.readTree(Files.readString(run.saved().resolve(LetiTokenizer.FILE)));
        assertThat(saved.get("model").get("vocab")).isEqualTo(source.get("model").get("vocab"));
        int highest = -1;
        for (JsonNode id : source.get("model").get("vocab")) {
            highest = Math.max(highest, id.asInt());
        }
        JsonNode sourceAdded = source.get("added_tokens");
        JsonNode savedAdded = saved.get("added_tokens");
        assertThat(savedAdded.size()).isEqualTo(sourceAdded.size() + 4);
        for (int i = 0; i < sourceAdded.size(); i++) {
            assertThat(savedAdded.get(i)).isEqualTo(sourceAdded.get(i));
            assertThat(run.tokenizer().id(sourceAdded.get(i).get("content").asString()))
                    .as("Rust's id of %s", sourceAdded.get(i).get("content")).isEqualTo(sourceAdded.get(i).get("id").asInt());
            highest = Math.max(highest, sourceAdded.get(i).get("id").asInt());
        }
        for (int i = 0; i < 4; i++) {
            String token = LetiTokenizer.LETI_TOKENS.get(i);
            assertThat(run.tokenizer().id(token)).isEqualTo(highest + 1 + i);
            assertThat(run.tokenizer().encode(token)).containsExactly(highest + 1 + i);
        }
        assertThat(run.tokenizer().size()).isEqualTo(highest + 5);
        try (LetiTokenizer again = LetiTokenizer.open(run.saved())) {
            assertThat(again.size()).as("reopened: nothing added twice").isEqualTo(run.tokenizer().size());
            assertThat(again.endOfText()).isEqualTo(run.tokenizer().endOfText());
            assertThat(again.bos()).isEqualTo(run.tokenizer().bos());
            assertThat(again.pad()).isEqualTo(run.tokenizer().pad());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "gpt2", "codegen"})
    void takesSpecialTokensFromTokenizerConfig(String name) throws IOException {
        Run run = run(name);
        LetiTokenizer tokenizer = run.tokenizer();
        // the ids these files give them (Hugging Face's hub has the same files)
        int[] expected = switch (name) {
            case "qwen3" -> new int[] {-1, 151645, 151643, -1}; // bos null, eos <|im_end|>, pad <|endoftext|>
            case "llama3" -> new int[] {128000, 128001, -1, -1};
            default -> new int[] {50256, 50256, -1, 50256};
        };
        assertThat(new int[] {tokenizer.bos(), tokenizer.endOfText(), tokenizer.pad(), tokenizer.unk()}).containsExactly(expected);
        for (JsonNode reference : List.of(run.reference(), run.savedReference())) {
            JsonNode special = reference.get("special");
            assertThat(new int[] {special.get("bos").asInt(-1), special.get("eos").asInt(-1), special.get("pad").asInt(-1),
                    special.get("unk").asInt(-1)}).as("transformers.js").containsExactly(expected);
        }
        JsonNode config = Jsonl.MAPPER.readTree(Files.readString(run.saved().resolve(SpecialTokens.CONFIG_FILE)));
        JsonNode map = Jsonl.MAPPER.readTree(Files.readString(run.saved().resolve(PretrainedFiles.SPECIAL_TOKENS_MAP)));
        for (String token : LetiTokenizer.LETI_TOKENS) {
            assertThat(config.get("added_tokens_decoder").get(Integer.toString(tokenizer.id(token))).get("content").asString())
                    .isEqualTo(token);
            assertThat(config.get("added_tokens_decoder").get(Integer.toString(tokenizer.id(token))).get("special").asBoolean())
                    .isTrue();
        }
        assertThat(config.get("additional_special_tokens").valueStream().map(JsonNode::asString).toList())
                .containsAll(LetiTokenizer.LETI_TOKENS);
        assertThat(map.get("additional_special_tokens")).isEqualTo(config.get("additional_special_tokens"));
        assertThat(map.get("eos_token").get("content").asString()).isEqualTo(SpecialTokens.content(config.get("eos_token")))
                .isEqualTo(tokenizer.decode(new int[] {tokenizer.endOfText()}));
        if (name.equals("codegen")) {
            assertThat(tokenizer.encode(" ".repeat(31))).containsExactly(50257);
            assertThat(tokenizer.encode("  ")).containsExactly(50286);
            assertThat(tokenizer.encode("\t".repeat(9))).containsExactly(50287);
            assertThat(tokenizer.encode("\t\t")).containsExactly(50294);
            assertThat(tokenizer.encode(" ".repeat(40))).as("longest first").containsExactly(50257, 50279);
            assertThat(tokenizer.size()).isEqualTo(50295 + 4);
        }
    }

    /**
     * Hugging Face's Rust tokenizers split as Python's regex and tiktoken do, on Unicode's White_Space (U+0085 is
     * space, U+FEFF is not); transformers.js and gpt-3-encoder use JavaScript's {@code \s}, which has it the other
     * way round. The expected split here is the project's own ({@link ByteLevel#SPLIT}, java.util.regex with
     * Unicode character classes: White_Space too), each piece encoded alone.
     */
    @Test
    void splitsOnUnicodeWhiteSpaceAsPythonDoes() {
        Run run = run("gpt2");
        int checked = 0;
        for (String text : List.of("x =\u0085\u00851\n", "a \ufeffb", "\ufeff# -*- coding: utf-8 -*-\n", "s = '\u0085'  \u0085\n")) {
            assertThat(run.tokenizer().encode(text)).as(show(text)).containsExactly(piecewise(run.tokenizer(), text));
            assertThat(run.tokenizer().decode(run.tokenizer().encode(text))).isEqualTo(text);
            checked++;
        }
        for (int i = 0; i < run.texts().size(); i++) {
            if (!run.texts().get(i).contains("<|")) {
                assertThat(run.ids().get(i)).as(show(run.texts().get(i)))
                        .containsExactly(piecewise(run.tokenizer(), run.texts().get(i)));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    /** Each piece of {@link ByteLevel#SPLIT} encoded alone, the ids joined. */
    private static int[] piecewise(LetiTokenizer tokenizer, String text) {
        List<Integer> ids = new ArrayList<>();
        Matcher matcher = ByteLevel.SPLIT.matcher(text);
        while (matcher.find()) {
            Arrays.stream(tokenizer.encode(matcher.group())).forEach(ids::add);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void readsIdsFromConfigJsonAndChecksTheModelFits() throws IOException {
        Path qwen = dir.resolve("qwen3-with-config");
        Files.createDirectories(qwen);
        for (String file : List.of(LetiTokenizer.FILE, SpecialTokens.CONFIG_FILE)) {
            Files.copy(source("qwen3").resolve(file), qwen.resolve(file));
        }
        // Qwen3-0.6B's config.json, the fields that matter here
        Files.writeString(qwen.resolve("config.json"),
                "{\"model_type\": \"qwen3\", \"bos_token_id\": 151643, \"eos_token_id\": 151645, \"vocab_size\": 151936}");
        try (LetiTokenizer tokenizer = LetiTokenizer.open(qwen)) {
            assertThat(tokenizer.bos()).as("config.json's, tokenizer_config.json names none").isEqualTo(151643);
            assertThat(tokenizer.endOfText()).isEqualTo(151645);
            assertThat(tokenizer.endOfSequenceIds()).containsExactly(151645);
            assertThat(tokenizer.size()).as("fewer ids than the model's padded vocab_size").isEqualTo(151673);
        }
        LetiTokenizer.checkFits(151936, qwen.resolve("config.json"));
        assertThatThrownBy(() -> LetiTokenizer.checkFits(151000, qwen.resolve("config.json")))
                .isInstanceOf(WeightsException.class).hasMessageContaining(LetiTokenizer.FILE)
                .hasMessageContaining("vocab_size 151000").hasMessageContaining("151668");
        // LETI's tokens beyond Llama 3's 128256 ids: the model grows its embedding for them, so the tokenizer fits
        Path llama = run("llama3").saved();
        LetiTokenizer.checkFits(128256, llama.resolve("config.json"));
        assertThatThrownBy(() -> LetiTokenizer.checkFits(128255, llama.resolve("config.json")))
                .hasMessageContaining("vocab_size 128255");
    }
}
