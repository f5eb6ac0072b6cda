package ai.leti.model.sampling;

import java.util.List;

/** Stop sequences: a completion ends before the first of them (the rest of the program is not the model's to write). */
public record StopSequences(List<String> stops) {

    public StopSequences {
        stops = List.copyOf(stops);
    }

    /** Where the earliest stop sequence starts in {@code text}, or -1. */
    public int indexIn(String text) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** {@code text} up to the earliest stop sequence. */
    public String cut(String text) {
        int at = indexIn(text);
        return at >= 0 ? text.substring(0, at) : text;
    }
}
