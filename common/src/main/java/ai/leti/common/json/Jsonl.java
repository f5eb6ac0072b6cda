package ai.leti.common.json;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON Lines files: one JSON object a line, the format of MBPP, HumanEval and samples files. */
public final class Jsonl {

    /** One shared mapper; Jackson mappers are thread-safe once configured. */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Jsonl() {
    }

    /** A parsed line with its 1-based line number, so errors can name where they came from. */
    public record Line(int number, JsonNode node) {
    }

    /** Reads every non-blank line as a JSON object; a malformed line fails with its file and line number ({@link LineError}). */
    public static List<Line> read(Path file) {
        List<Line> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = MAPPER.readTree(text);
                } catch (JacksonException e) {
                    throw new LineError(file, number, "not valid JSON (" + where(e) + ")", e);
                }
                if (!node.isObject()) {
                    throw new LineError(file, number, "expected a JSON object", null);
                }
                lines.add(new Line(number, node));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return lines;
    }

    /**
     * Where a parse failed, as {@code line L, column C}: what an error may say of a file it could not read. Jackson's
     * own message quotes the text it choked on, which for a file a request named could be anything (a secret).
     */
    public static String where(JacksonException e) {
        return e.getLocation() == null ? "position unknown"
                : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /** Writes one JSON line per value, replacing the file. */
    public static void write(Path file, List<?> values) {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Object value : values) {
                writer.write(MAPPER.writeValueAsString(value));
                writer.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A field as text (numbers become their decimal text, as MBPP's integer task ids), or null. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isValueNode() ? value.asString() : value.toString();
    }
}
