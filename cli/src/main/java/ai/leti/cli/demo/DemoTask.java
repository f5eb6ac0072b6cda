package ai.leti.cli.demo;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The task sets the demo generates: functions ({@code code}), event argument extraction as code in the project's
 * typed style ({@code eae}), or the same sentences the authors' way ({@code eae-authors}: their verifier, greedy
 * evaluation, no regularization).
 */
public enum DemoTask {
    CODE,
    EAE,
    EAE_AUTHORS;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean extraction() {
        return this != CODE;
    }

    /** Reads {@code --task} by label. */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<DemoTask> {
        @Override
        public DemoTask convert(String value) {
            return ofLabel(value);
        }
    }

    /** The task of a label ({@code eae-authors}) or name, in any case; fails listing the labels. */
    public static DemoTask ofLabel(String label) {
        for (DemoTask task : values()) {
            if (task.label().equalsIgnoreCase(label) || task.name().equalsIgnoreCase(label)) {
                return task;
            }
        }
        throw new IllegalArgumentException("--task: " + Arrays.stream(values()).map(DemoTask::label)
                .collect(Collectors.joining(", ")) + "; got " + label);
    }
}
