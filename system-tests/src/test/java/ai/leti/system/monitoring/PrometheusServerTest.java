package ai.leti.system.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import ai.leti.system.deploy.MonitoringQueries;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@link PrometheusServer} against a fake service: a JDK HTTP server whose {@code /actuator/prometheus} exports one
 * counter that grows with every scrape, registered as job {@code generator}; and the project's alert rules loaded
 * and evaluated without error.
 */
class PrometheusServerTest {

    private static final Duration SCRAPED = Duration.ofSeconds(15);

    @TempDir
    static Path work;

    private static HttpServer service;
    private static PrometheusServer prometheus;
    private static final AtomicLong SCRAPES = new AtomicLong();

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(PrometheusServer.binary().isPresent(),
                "no Prometheus: ./leti setup installs Debian's prometheus");
        service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        service.createContext("/actuator/prometheus", PrometheusServerTest::metrics);
        service.start();
        String target = "127.0.0.1:" + service.getAddress().getPort();
        prometheus = PrometheusServer.start(work, Map.of("generator", List.of(target)));
        prometheus.awaitScraped("generator", SCRAPED);
    }

    private static void metrics(HttpExchange exchange) throws IOException {
        byte[] body = ("# HELP leti_test_total Scrapes of this fake service.\n"
                + "# TYPE leti_test_total counter\n"
                + "leti_test_total{application=\"generator-service\"} " + SCRAPES.incrementAndGet() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (service != null) {
            service.stop(0);
        }
    }

    @Test
    void scrapesTheTargetUnderItsJobAndInstance() {
        JsonNode up = prometheus.query("up{job=\"generator\"}").path("result");
        assertThat(up).hasSize(1);
        assertThat(up.get(0).path("metric").path("instance").asString())
                .isEqualTo("127.0.0.1:" + service.getAddress().getPort());
        assertThat(up.get(0).path("value").get(1).asString()).isEqualTo("1");
        prometheus.awaitScraped("prometheus", SCRAPED);
    }

    @Test
    void ratesOfTheScrapedCounterHaveData() {
        await().atMost(SCRAPED).pollInterval(Duration.ofMillis(500))
                .until(() -> prometheus.hasData("rate(leti_test_total[10s])"));
        JsonNode rate = prometheus.query("rate(leti_test_total[10s])").path("result").get(0);
        assertThat(rate.path("metric").path("application").asString()).isEqualTo("generator-service");
        assertThat(Double.parseDouble(rate.path("value").get(1).asString())).isPositive();
    }

    @Test
    void aMetricThatDoesNotExistHasNoData() {
        assertThat(prometheus.hasData("leti_no_such_metric_total")).isFalse();
        assertThat(prometheus.hasData("vector(1)")).isTrue();
        assertThat(prometheus.hasData("scalar(vector(1))")).isTrue();
    }

    @Test
    void aMalformedQueryFailsWithPrometheusError() {
        assertThatThrownBy(() -> prometheus.query("sum(rate(leti_test_total[1m])"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bad_data")
                .hasMessageContaining("parse error");
    }

    @Test
    void loadsAndEvaluatesTheProjectsAlertRules() {
        List<String> expected = alertNames(MonitoringQueries.MONITORING.resolve("prometheus/rules/leti-alerts.yml"));
        assertThat(expected).isNotEmpty();
        await().atMost(SCRAPED).pollInterval(Duration.ofMillis(500))
                .until(() -> rules("health").stream().noneMatch(health -> health.equals("unknown")));
        assertThat(prometheus.rules().path("groups")).isNotEmpty();
        assertThat(rules("name")).containsAll(expected);
        assertThat(rules("health")).as(prometheus.rules().toString()).containsOnly("ok");
    }

    @Test
    void anInvalidConfigFailsWithPromtoolsOutput() {
        assertThatThrownBy(() -> PrometheusServer.start(work.resolve("invalid"), Map.of("prometheus", List.of("a:1"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("promtool check config")
                .hasMessageContaining("found multiple scrape configs with job name \"prometheus\"");
    }

    /** One field of every rule Prometheus has loaded. */
    private static List<String> rules(String field) {
        List<String> values = new ArrayList<>();
        for (JsonNode group : prometheus.rules().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                values.add(rule.path(field).asString());
            }
        }
        return values;
    }

    private static List<String> alertNames(Path rulesFile) {
        List<String> names = new ArrayList<>();
        for (JsonNode group : new YAMLMapper().readTree(rulesFile.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    names.add(rule.get("alert").asString());
                }
            }
        }
        return names;
    }
}
