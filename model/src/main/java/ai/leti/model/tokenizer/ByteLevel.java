package ai.leti.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level pre-tokenisation, as Hugging Face tokenizers' {@code ByteLevel} pre-tokenizer does it:
 * text is split with GPT-2's pattern, each piece's UTF-8 bytes are mapped to printable characters. Training in
 * Java must split exactly as the Rust tokenizer will when it loads the result.
 */
final class ByteLevel {

    /**
     * GPT-2's split: contractions, letter runs, digit runs, other runs, whitespace (each may take one leading space).
     * {@code \s} is Unicode's White_Space, as in the Rust regex and Python's: Java's default would miss U+00A0,
     * U+3000 and the like.
     */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + next++);
        }
    }

    private ByteLevel() {
    }

    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = SPLIT.matcher(text);
        while (matcher.find()) {
            pieces.add(encode(matcher.group()));
        }
        return pieces;
    }

    static String encode(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            mapped.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return mapped.toString();
    }

    /** The 256 single-byte symbols every byte-level vocabulary starts with. */
    static List<String> alphabet() {
        List<String> symbols = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            symbols.add(String.valueOf(BYTE_TO_CHAR[b]));
        }
        return symbols;
    }
}
