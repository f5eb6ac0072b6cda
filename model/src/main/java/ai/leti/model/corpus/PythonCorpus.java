package ai.leti.model.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Python source files found under a directory (the standard library of Debian's Python is on every machine),
 * split into training and held-out files by position (every 20th file is held out), so held-out loss
 * measures code the model never saw. Test suites are skipped: they are large and unlike ordinary code.
 *
 * @param wholeTexts each text is one training sequence (short task programs, learnt from their first token, as the
 *                   model is prompted) rather than a stretch of a stream cut into windows (source files)
 */
public record PythonCorpus(List<String> training, List<String> heldOut, boolean wholeTexts) {

    public static PythonCorpus read(Path directory, long maxBytes) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--corpus: " + directory + " is not a directory");
        }
        List<Path> files = sourceFiles(directory);
        List<String> training = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < files.size() && bytes < maxBytes; i++) {
            String text = source(files.get(i));
            if (text == null) {
                continue;
            }
            (i % 20 == 19 ? heldOut : training).add(text);
            bytes += text.length();
        }
        if (training.isEmpty() || heldOut.isEmpty()) {
            throw new IllegalArgumentException("--corpus: " + directory + " holds too few Python files (" + files.size() + ")");
        }
        return new PythonCorpus(training, heldOut, false);
    }

    /** The {@code .py} files under a directory, in path order, test suites and installed packages skipped. */
    public static List<Path> sourceFiles(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(path -> path.toString().endsWith(".py"))
                    .filter(path -> !path.toString().matches(".*/(test|tests|idle_test|site-packages|dist-packages)/.*"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    /**
     * A source file's text; null for one that is not UTF-8 (strictly decoded, never with replacement characters),
     * unreadable, blank, or over 200,000 characters (generated tables).
     */
    public static String source(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (IOException unreadable) {
            return null;
        }
        return text.isBlank() || text.length() > 200_000 ? null : text;
    }
}
