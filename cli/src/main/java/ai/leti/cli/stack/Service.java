package ai.leti.cli.stack;

/** The three services, as the local stack starts them: module (and jar) name and the port the demo gives each. */
public enum Service {
    EXECUTOR("executor-service", 18082),
    TRAINER("trainer-service", 18083),
    GENERATOR("generator-service", 18081);

    private final String module;
    private final int defaultPort;

    Service(String module, int defaultPort) {
        this.module = module;
        this.defaultPort = defaultPort;
    }

    public String module() {
        return module;
    }

    public int defaultPort() {
        return defaultPort;
    }
}
