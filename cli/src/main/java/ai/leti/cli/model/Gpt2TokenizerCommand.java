package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import ai.leti.model.tokenizer.Gpt2Vocabulary;
import ai.leti.model.tokenizer.LetiTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gpt2-tokenizer", mixinStandardHelpOptions = true,
        description = "Writes a Hugging Face tokenizer.json (with tokenizer_config.json and special_tokens_map.json)"
                + " from GPT-2's encoder.json and vocab.bpe, optionally with CodeGen's whitespace tokens.")
public final class Gpt2TokenizerCommand implements Callable<Integer> {

    @Option(names = "--encoder", required = true, description = "GPT-2's encoder.json (token -> id).")
    Path encoder;

    @Option(names = "--merges", required = true, description = "GPT-2's vocab.bpe (the merges).")
    Path merges;

    @Option(names = "--codegen", description = "Add CodeGen's runs of 2..31 spaces and 2..9 tabs (ids 50257..50294).")
    boolean codegen;

    @Option(names = "--out", required = true, description = "Directory to write the tokenizer files to.")
    Path out;

    @Override
    public Integer call() {
        Gpt2Vocabulary.write(encoder, merges, codegen, out);
        try (LetiTokenizer tokenizer = LetiTokenizer.open(out)) {
            System.out.printf("wrote %s: %d ids (%s), end of text %d%n", out.resolve(LetiTokenizer.FILE),
                    tokenizer.size() - LetiTokenizer.LETI_TOKENS.size(), codegen ? "CodeGen" : "GPT-2",
                    tokenizer.endOfText());
        }
        return 0;
    }
}
