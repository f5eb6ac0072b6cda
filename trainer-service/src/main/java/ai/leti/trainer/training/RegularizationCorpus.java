package ai.leti.trainer.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.tasks.ProgramFingerprints;
import ai.leti.model.corpus.PythonCorpus;
import ai.leti.model.tokenizer.LetiTokenizer;
import tools.jackson.databind.JsonNode;

/**
 * The plain code of the regularization steps, as the authors used The Stack: generic Python source, never a task
 * file, concatenated (end-of-text between documents) and cut into blocks of a fixed number of tokens.
 *
 * <p>A corpus is a directory of {@code .py} files (read recursively, test suites skipped), a JSONL file whose lines
 * carry the source in a {@code content} field (The Stack's convention), or {@code stdlib}: the standard library
 * of the Python found under {@code /usr/lib} (every Debian image has one, no download). A task file (lines with
 * {@code task_id}, {@code test_list}, {@code canonical_solution} and the like) is refused, as is a corpus in which
 * any reference solution of the run's task or evaluation files occurs: both would train on ground truth.
 */
public final class RegularizationCorpus {

    /** What is read at most: enough blocks for any run at CPU scale, and a bound on tokenizing time. */
    static final long MAX_CHARS = 8L << 20;
    private static final List<String> TASK_FIELDS = List.of("task_id", "test_list", "test", "canonical_solution",
            "entry_point", "test_setup_code");

    private final String name;
    private final List<String> documents;

    private RegularizationCorpus(String name, List<String> documents) {
        this.name = name;
        this.documents = documents;
    }

    /**
     * Reads the corpus a plan names and checks it against the fingerprints of the run's reference solutions.
     *
     * @throws PlanRefused naming the reason: missing, empty, a task file, or sharing a program with the run's tasks
     */
    public static RegularizationCorpus read(String spec, Set<String> excludedPrograms) {
        if (spec == null || spec.isBlank()) {
            throw new PlanRefused("the plan asks for regularization steps but names no regularization corpus");
        }
        Path path = IterationPlan.STANDARD_LIBRARY.equals(spec) ? standardLibrary() : Path.of(spec);
        List<String> documents;
        if (Files.isDirectory(path)) {
            documents = pythonFiles(path);
        } else if (Files.isRegularFile(path)) {
            documents = jsonl(path);
        } else {
            throw new PlanRefused("regularization corpus " + spec + ": no such file or directory on the trainer");
        }
        if (documents.isEmpty()) {
            throw new PlanRefused("regularization corpus " + spec + " holds no Python source");
        }
        ProgramFingerprints.Finder solutions = ProgramFingerprints.finder(excludedPrograms);
        for (int i = 0; i < documents.size(); i++) {
            Set<String> shared = solutions.foundIn(documents.get(i));
            if (!shared.isEmpty()) { // where, never what: a refusal quotes no file
                throw new PlanRefused("regularization corpus " + spec + " contains " + shared.size()
                        + " reference solution(s) of the run's task or evaluation files (the first in document " + (i + 1)
                        + " of " + documents.size() + " in reading order): training on it would train on ground truth");
            }
        }
        return new RegularizationCorpus(spec, documents);
    }

    /** The documents, tokenized, joined by end-of-text and cut into blocks of {@code blockTokens}; the rest dropped. */
    public List<int[]> blocks(LetiTokenizer tokenizer, int blockTokens) {
        List<int[]> blocks = new ArrayList<>();
        int[] block = new int[blockTokens];
        int filled = 0;
        for (String document : documents) {
            int[] ids = tokenizer.encodeDocument(document);
            for (int id : ids) {
                block[filled++] = id;
                if (filled == blockTokens) {
                    blocks.add(block);
                    block = new int[blockTokens];
                    filled = 0;
                }
            }
        }
        if (blocks.isEmpty()) {
            throw new PlanRefused("regularization corpus " + name + " is shorter than one block of " + blockTokens + " tokens");
        }
        return blocks;
    }

    public String name() {
        return name;
    }

    public int documents() {
        return documents.size();
    }

    /** The newest {@code /usr/lib/python3.N} that has its {@code os.py}. */
    static Path standardLibrary() {
        try (Stream<Path> entries = Files.list(Path.of("/usr/lib"))) {
            return entries.filter(path -> path.getFileName().toString().matches("python3\\.\\d+"))
                    .filter(path -> Files.isRegularFile(path.resolve("os.py")))
                    .max(Comparator.comparingInt(path -> Integer.parseInt(path.getFileName().toString().substring(8))))
                    .orElseThrow(() -> new PlanRefused("regularization corpus stdlib: this image has no Python standard"
                            + " library under /usr/lib (install libpython3-stdlib, or name a corpus)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> pythonFiles(Path directory) {
        List<String> documents = new ArrayList<>();
        long chars = 0;
        for (Path file : PythonCorpus.sourceFiles(directory)) {
            if (chars >= MAX_CHARS) {
                break;
            }
            String text = PythonCorpus.source(file);
            if (text != null) {
                documents.add(text);
                chars += text.length();
            }
        }
        return documents;
    }

    private static List<String> jsonl(Path file) {
        List<String> documents = new ArrayList<>();
        long chars = 0;
        int number = 0;
        try (Stream<String> lines = Files.lines(file)) {
            for (String line : (Iterable<String>) lines::iterator) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Jsonl.MAPPER.readTree(line);
                } catch (RuntimeException e) {
                    throw new PlanRefused("regularization corpus " + file + " line " + number + " is not JSON");
                }
                for (String field : TASK_FIELDS) {
                    if (node.has(field)) {
                        throw new PlanRefused("regularization corpus " + file + " is a task file (line " + number
                                + " has \"" + field + "\"): its reference solutions are ground truth; give plain code,"
                                + " a directory of .py files or JSONL lines with a \"content\" field");
                    }
                }
                JsonNode content = node.get("content");
                if (content == null || !content.isString()) {
                    throw new PlanRefused("regularization corpus " + file + " line " + number
                            + " has no \"content\" string (JSONL corpora carry the source there, as The Stack does)");
                }
                if (chars < MAX_CHARS) {
                    documents.add(content.asString());
                    chars += content.asString().length();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return documents;
    }


    @Override
    public String toString() {
        return name + " (" + documents.size() + " documents)";
    }
}
