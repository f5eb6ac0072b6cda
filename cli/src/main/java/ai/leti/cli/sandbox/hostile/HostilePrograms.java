package ai.leti.cli.sandbox.hostile;

import java.util.List;
import java.util.stream.Stream;

/**
 * The programs the suite tries: what a model being trained on its own output might write, and worse. Three families,
 * one file each: {@link ResourceAttacks}, {@link EscapeAttacks}, {@link VerdictForgeries}.
 */
public final class HostilePrograms {

    public static final List<HostileCase> ALL = Stream.of(ResourceAttacks.ALL, EscapeAttacks.ALL, VerdictForgeries.ALL)
            .flatMap(List::stream).toList();

    private HostilePrograms() {
    }
}
