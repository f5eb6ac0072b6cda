package ai.leti.cli.stack;

import picocli.CommandLine.Option;

/** Where the local broker listens, for the commands that start a local stack. */
public final class BrokerOptions {

    @Option(names = "--kafka-port", defaultValue = "${env:LETI_KAFKA_PORT:-19092}",
            description = "The local broker's port (default: $LETI_KAFKA_PORT, else 19092; a broker already there is used).")
    int port;

    public int port() {
        return port;
    }
}
