package ai.leti.common.tasks;

import java.util.regex.Pattern;

/** A known-wrong variant of a correct solution, for checking that verdicts discriminate. */
public final class BrokenVariant {

    /** {@code return x} becomes {@code x}: the function then returns None and its asserts must fail. */
    private static final Pattern RETURN = Pattern.compile("(?m)^([ \\t]*)return\\b[ \\t]*");

    private BrokenVariant() {
    }

    public static String withoutReturn(String code) {
        return RETURN.matcher(code).replaceAll("$1");
    }
}
