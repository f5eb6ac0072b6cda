package ai.leti.model.sampling;

/** Where a row ends before end-of-text or the token limit: stop sequences, say. */
@FunctionalInterface
public interface StopRule {

    /** Never stops early. */
    StopRule NONE = (index, generated) -> false;

    /** True when prompt {@code index}'s row ends with the tokens it has {@code generated} so far. */
    boolean stops(int index, int[] generated);
}
