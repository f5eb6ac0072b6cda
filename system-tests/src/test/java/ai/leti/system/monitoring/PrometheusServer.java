package ai.leti.system.monitoring;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import ai.leti.system.deploy.MonitoringQueries;
import tools.jackson.databind.JsonNode;

/**
 * Debian's real Prometheus as a child process that scrapes the given targets every second and evaluates the
 * project's alert rules ({@code monitoring/prometheus/rules/*.yml}), so that a system test can run the services,
 * let Prometheus scrape them, and then evaluate every dashboard query and alert expression against a real
 * time-series database. The scrape jobs are those of {@code monitoring/prometheus/prometheus.yml} (same
 * {@code job} names, metrics path and {@code instance} = {@code host:port}); only the discovery differs: static
 * targets instead of DNS.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final Path DEBIAN_BINARY = Path.of("/usr/bin/prometheus");
    private static final Path RULES = MonitoringQueries.MONITORING.resolve("prometheus/rules");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final int LOG_TAIL_LINES = 40;

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** {@code /usr/bin/prometheus} if executable, else {@code prometheus} on the PATH, else empty. */
    public static Optional<Path> binary() {
        return executable(DEBIAN_BINARY, "prometheus");
    }

    /**
     * Writes {@code workDir/prometheus.yml} with one job per entry of {@code targetsByJob} ({@code host:port}
     * targets) plus Prometheus itself as job {@code prometheus}, checks it with {@code promtool}, starts Prometheus
     * on a free port of 127.0.0.1 with its data under {@code workDir/data} and its output in
     * {@code workDir/prometheus.log}, and waits until it is ready.
     */
    public static PrometheusServer start(Path workDir, Map<String, List<String>> targetsByJob) {
        Path prometheus = binary().orElseThrow(
                () -> new IllegalStateException("no Prometheus: ./leti setup installs Debian's prometheus"));
        int port = freePort();
        Path config = workDir.resolve("prometheus.yml");
        Path log = workDir.resolve("prometheus.log");
        try {
            Files.createDirectories(workDir);
            Files.writeString(config, config(port, targetsByJob));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        checkConfig(prometheus, config);
        List<String> command = List.of(prometheus.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + workDir.resolve("data"), "--storage.tsdb.retention.time=1d",
                "--web.listen-address=127.0.0.1:" + port, "--web.enable-lifecycle");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        PrometheusServer server = new PrometheusServer(process, log, port);
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The configuration: 1 s scrapes and rule evaluations, the project's rules, static targets. */
    static String config(int port, Map<String, List<String>> targetsByJob) {
        StringBuilder yaml = new StringBuilder()
                .append("# written by ").append(PrometheusServer.class.getName())
                .append(": monitoring/prometheus/prometheus.yml with static targets instead of DNS\n")
                .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\n")
                .append("rule_files:\n  - ").append(quote(RULES.resolve("*.yml").toString())).append("\n\n")
                .append("scrape_configs:\n");
        for (Map.Entry<String, List<String>> job : targetsByJob.entrySet()) {
            yaml.append("  - job_name: ").append(quote(job.getKey())).append('\n')
                    .append("    metrics_path: /actuator/prometheus\n");
            staticTargets(yaml, job.getValue());
        }
        yaml.append("  - job_name: prometheus\n");
        staticTargets(yaml, List.of("127.0.0.1:" + port));
        return yaml.toString();
    }

    private static void staticTargets(StringBuilder yaml, List<String> targets) {
        yaml.append("    static_configs:\n      - targets: [");
        for (int i = 0; i < targets.size(); i++) {
            yaml.append(i == 0 ? "" : ", ").append(quote(targets.get(i)));
        }
        yaml.append("]\n\n");
    }

    /** A YAML double-quoted scalar (a JSON string is one). */
    private static String quote(String text) {
        return Jsonl.MAPPER.writeValueAsString(text);
    }

    /** {@code promtool check config}, which also reads the rule files; fails with promtool's output. */
    private static void checkConfig(Path prometheus, Path config) {
        Path promtool = executable(prometheus.resolveSibling("promtool"), "promtool").orElseThrow(
                () -> new IllegalStateException("no promtool next to " + prometheus + " nor on the PATH"));
        List<String> command = List.of(promtool.toString(), "check", "config", config.toString());
        try {
            Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!check.waitFor(60, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 60 s:\n" + output);
            }
            if (check.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + check.exitValue()
                        + "):\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running promtool", e);
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String last = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Prometheus exited with " + process.exitValue()
                        + " before it was ready; " + log + " ends with:\n" + logTail());
            }
            try {
                HttpResponse<String> ready = send(base.resolve("/-/ready"));
                if (ready.statusCode() == 200) {
                    return;
                }
                last = ready.statusCode() + " " + ready.body().strip();
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(POLL);
        }
        throw new IllegalStateException("Prometheus at " + base + " not ready after " + READY_TIMEOUT.toSeconds()
                + " s (last: " + last + "); " + log + " ends with:\n" + logTail());
    }

    /** The base URL, {@code http://127.0.0.1:port}. */
    public URI uri() {
        return base;
    }

    /** The {@code data} of an instant query at the current time; fails with Prometheus' error if it has one. */
    public JsonNode query(String promql) {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** Whether an instant query returns something: a non-empty vector or matrix, or any scalar or string. */
    public boolean hasData(String promql) {
        JsonNode data = query(promql);
        String type = data.path("resultType").asString("");
        return switch (type) {
            case "vector", "matrix" -> !data.path("result").isEmpty();
            case "scalar", "string" -> true;
            default -> throw new IllegalStateException("unknown resultType '" + type + "' for " + promql + ": " + data);
        };
    }

    /** The rule groups with their rules: each rule's {@code name}, {@code type}, {@code health}, {@code lastError}. */
    public JsonNode rules() {
        return api("/api/v1/rules");
    }

    /** The targets: {@code activeTargets} with their {@code labels}, {@code health} and {@code lastError}. */
    public JsonNode targets() {
        return api("/api/v1/targets");
    }

    /** The active targets of one job. */
    public List<JsonNode> targets(String job) {
        List<JsonNode> targets = new ArrayList<>();
        for (JsonNode target : targets().path("activeTargets")) {
            if (job.equals(target.path("labels").path("job").asString(""))) {
                targets.add(target);
            }
        }
        return targets;
    }

    /** Waits until the job has targets and every one of them has been scraped with health {@code up}. */
    public void awaitScraped(String job, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        List<JsonNode> targets = targets(job);
        while (!allUp(targets)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("job " + job + " not scraped successfully within " + timeout.toSeconds()
                        + " s; its targets: " + describe(targets));
            }
            sleep(POLL);
            targets = targets(job);
        }
    }

    private static boolean allUp(List<JsonNode> targets) {
        return !targets.isEmpty()
                && targets.stream().allMatch(target -> target.path("health").asString("").equals("up"));
    }

    private static String describe(List<JsonNode> targets) {
        if (targets.isEmpty()) {
            return "none";
        }
        List<String> described = new ArrayList<>();
        for (JsonNode target : targets) {
            described.add(target.path("scrapeUrl").asString("?") + " health=" + target.path("health").asString("?")
                    + " lastError=" + target.path("lastError").asString(""));
        }
        return String.join("; ", described);
    }

    /** GETs an API path and returns its {@code data}, or fails with Prometheus' {@code errorType} and {@code error}. */
    private JsonNode api(String pathAndQuery) {
        HttpResponse<String> response;
        try {
            response = send(URI.create(base + pathAndQuery));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot GET " + pathAndQuery + " from Prometheus at " + base, e);
        }
        JsonNode body;
        try {
            body = Jsonl.MAPPER.readTree(response.body());
        } catch (RuntimeException e) {
            String answer = response.statusCode() + " " + response.body();
            throw new IllegalStateException("GET " + pathAndQuery + " did not answer JSON: " + answer, e);
        }
        if (!body.path("status").asString("").equals("success")) {
            throw new IllegalStateException("Prometheus refused " + decoded(pathAndQuery) + ": "
                    + body.path("errorType").asString("?") + ": " + body.path("error").asString(response.body()));
        }
        return body.path("data");
    }

    private static String decoded(String pathAndQuery) {
        return URLDecoder.decode(pathAndQuery, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(URI uri) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The last lines of Prometheus' output. */
    public String logTail() {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - LOG_TAIL_LINES), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if Prometheus has not stopped after 10 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<Path> executable(Path preferred, String name) {
        if (Files.isExecutable(preferred)) {
            return Optional.of(preferred);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String directory : path.split(File.pathSeparator)) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Prometheus", e);
        }
    }
}
