package ai.leti.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import ai.leti.model.ModelConfig;
import ai.leti.model.tokenizer.LetiTokenizer;
import tools.jackson.databind.node.ObjectNode;

/** The real-size bench's shapes: a real model's config, and training texts of a real tokenizer's encoding. */
final class RealShapes {

    private RealShapes() {
    }

    /** A built-in config ({@code qwen2.5-coder-0.5b}, {@code codegen-350M-mono}) or a config.json path. */
    static ModelConfig config(String config) throws IOException {
        String json;
        if (Files.isRegularFile(Path.of(config))) {
            json = Files.readString(Path.of(config));
        } else {
            try (InputStream in = RealShapes.class.getResourceAsStream("/configs/" + config + ".json")) {
                if (in == null) {
                    throw new IllegalArgumentException("--config: no built-in config " + config
                            + " (qwen2.5-coder-0.5b, codegen-350M-mono) and no such file");
                }
                json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return ModelConfig.parse((ObjectNode) Jsonl.MAPPER.readTree(json), config);
    }

    /** Training texts of the requested length: the tokenizer's own encoding of real Python, cut into pieces. */
    static List<int[]> trainingTexts(LetiTokenizer words, int batch, int sequence) throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> sources = Files.list(Path.of("/usr/lib/python3.11"))) {
            for (Path file : sources.filter(path -> path.toString().endsWith(".py")).sorted().limit(40).toList()) {
                text.append(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        int[] ids = words.encode(text.toString());
        List<int[]> texts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            texts.add(java.util.Arrays.copyOfRange(ids, i * sequence, (i + 1) * sequence));
        }
        return texts;
    }
}
