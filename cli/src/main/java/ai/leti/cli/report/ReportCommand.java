package ai.leti.cli.report;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import ai.leti.cli.stack.RunClient;
import ai.leti.common.json.Jsonl;
import ai.leti.common.runs.RunHistory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./leti report RUN}: the report of any run, from its history file in a generator's state directory
 * ({@code --state}) or fetched from a running generator ({@code --generator}, with its API token).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes a run's report (report.html and plots) from its history, whoever started the run.")
public final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The run's id (as POST /runs answered it).")
    String run;

    @Option(names = "--state", description = "The generator's state directory (leti.generator.state): reads <state>/<run>/history.jsonl.")
    Path state;

    @Option(names = "--generator", description = "A running generator's base URL, instead of --state: fetches GET /runs/<run>/history.")
    URI generator;

    @Option(names = "--token-file", description = "With --generator: a file holding the API token (default: $LETI_GENERATOR_API_TOKEN).")
    Path tokenFile;

    @Option(names = "--out", description = "Where the report goes (default: <state>/<run>/report, or runs/report-<run> with --generator).")
    Path out;

    private final PrintStream log = System.err;


    @Override
    public Integer call() throws Exception {
        if ((state == null) == (generator == null)) {
            throw new IllegalArgumentException("give --state DIR (the generator's state directory) or --generator URL");
        }
        if (!run.matches("[A-Za-z0-9._-]{1,80}")) {
            throw new IllegalArgumentException("not a run id: " + run);
        }
        Path history;
        String description;
        if (state != null) {
            Path directory = state.resolve(run);
            history = directory.resolve(RunHistory.FILE);
            if (!Files.isRegularFile(history)) {
                throw new IllegalArgumentException("no " + RunHistory.FILE + " for run " + run + " under " + state
                        + (Files.isDirectory(directory) ? " (no iteration or evaluation has finished yet)" : ""));
            }
            out = out != null ? out : directory.resolve("report");
            description = describe(directory.resolve("run.json"));
        } else {
            RunClient client = new RunClient(generator, RunClient.token(tokenFile));
            out = out != null ? out : Path.of("runs", "report-" + run);
            Files.createDirectories(out);
            history = Files.writeString(out.resolve(RunHistory.FILE), client.history(run));
            description = "stage " + client.status(run).stage() + " when this report was written";
        }
        Path page = new RunReport(run, description, RunHistory.read(history)).write(out);
        log.println("report: " + page.toAbsolutePath());
        return 0;
    }

    /**
     * The run's mode and settings, from the state the generator saved (empty if it cannot be read). Read as JSON, not
     * as the generator's own record: the command line depends on no service.
     */
    static String describe(Path saved) {
        try {
            JsonNode node = Jsonl.MAPPER.readTree(Files.readString(saved));
            JsonNode request = node.path("request");
            return String.format(Locale.ROOT, "Mode %s; %d iterations of %d samples per task at temperature %.2f; %d"
                    + " epochs per iteration, batch %d, learning rate %s; %d evaluation sample(s) per held-out task; stage"
                    + " %s.", request.path("mode").asString("").toLowerCase(Locale.ROOT), request.path("iterations").asInt(),
                    request.path("samplesPerTask").asInt(), request.path("temperature").asDouble(),
                    request.path("epochs").asInt(), request.path("batchSize").asInt(),
                    request.path("learningRate").asString(), request.path("evaluationSamples").asInt(),
                    node.path("stage").asString("unknown"));
        } catch (Exception e) {
            return "";
        }
    }

}
