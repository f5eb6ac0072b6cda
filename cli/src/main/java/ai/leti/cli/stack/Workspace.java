package ai.leti.cli.stack;

import java.nio.file.Path;

/**
 * Where the command line finds things: the repository ({@code leti.root}: the services' jars under
 * {@code <module>/target}), its state ({@code .leti}: the broker's jars and data, cached base models, tokenizers),
 * the run directories ({@code runs/}) and the shared datasets ({@code leti.shared}, default {@code ../shared}). The
 * launcher sets both properties; without them the working directory is the repository.
 */
public record Workspace(Path root, Path shared) {

    public static Workspace current() {
        Path root = Path.of(System.getProperty("leti.root", ".")).toAbsolutePath().normalize();
        String shared = System.getProperty("leti.shared");
        return new Workspace(root, shared != null ? Path.of(shared).toAbsolutePath().normalize() : root.resolveSibling("shared"));
    }

    public Path state() {
        return root.resolve(".leti");
    }

    public Path runs() {
        return root.resolve("runs");
    }

    /** The Kafka broker's jars ({@code local/kafka-broker/pom.xml}; the launcher fetches them once). */
    public Path kafkaLib() {
        return state().resolve("kafka").resolve("lib");
    }

    public Path jar(Service service) {
        return root.resolve(service.module()).resolve("target").resolve(service.module() + "-0.1.0-SNAPSHOT.jar");
    }
}
