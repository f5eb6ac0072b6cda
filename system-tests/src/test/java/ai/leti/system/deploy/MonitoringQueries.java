package ai.leti.system.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Every PromQL expression of the Grafana dashboards and the Prometheus alert rules in {@code monitoring/}, and the
 * metric names they read.
 */
public final class MonitoringQueries {

    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path MONITORING = ROOT.resolve("monitoring");

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPINGS = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2");

    private MonitoringQueries() {
    }

    /** Dashboard expressions keyed by {@code file: panel title #n}, Grafana's variables replaced by values. */
    public static Map<String, String> dashboardExpressions() {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Path file : files(MONITORING.resolve("grafana/dashboards"), ".json")) {
            JsonNode dashboard = Jsonl.MAPPER.readTree(read(file));
            collect(dashboard, file.getFileName().toString(), expressions);
        }
        return expressions;
    }

    private static void collect(JsonNode node, String where, Map<String, String> expressions) {
        if (node.isObject()) {
            String title = node.path("title").asString(where);
            if (node.has("expr") && node.get("expr").isString()) {
                expressions.put(where + " #" + expressions.size(), substitute(node.get("expr").asString()));
            }
            for (Map.Entry<String, JsonNode> child : node.properties()) {
                collect(child.getValue(), child.getKey().equals("panels") ? where : where + ": " + title, expressions);
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                collect(child, where, expressions);
            }
        }
    }

    /** Grafana's template variables as Prometheus would see them after Grafana expanded them. */
    static String substitute(String expression) {
        return expression.replace("$__rate_interval", "1m").replace("$__interval", "30s").replace("$__range", "6h")
                .replaceAll("\\$\\{?mode}?", ".*").replaceAll("\\$\\{?[a-zA-Z_]+}?", ".*");
    }

    /** Alert and recording rule expressions keyed by {@code file: rule name}. */
    public static Map<String, String> ruleExpressions() {
        Map<String, String> expressions = new LinkedHashMap<>();
        YAMLMapper yaml = new YAMLMapper();
        for (Path file : files(MONITORING.resolve("prometheus/rules"), ".yml")) {
            JsonNode rules = yaml.readTree(read(file));
            for (JsonNode group : rules.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("alert") ? rule.get("alert").asString() : rule.path("record").asString();
                    expressions.put(file.getFileName() + ": " + name, rule.get("expr").asString());
                }
            }
        }
        return expressions;
    }

    /** The metric names an expression reads (not functions, keywords, label names or numbers). */
    public static Set<String> metricNames(String expression) {
        String stripped = STRINGS.matcher(expression).replaceAll("\"\"");
        stripped = MATCHERS.matcher(stripped).replaceAll(" ");
        stripped = RANGES.matcher(stripped).replaceAll(" ");
        stripped = GROUPINGS.matcher(stripped).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher matcher = IDENTIFIER.matcher(stripped);
        while (matcher.find()) {
            String identifier = matcher.group(1);
            boolean call = matcher.group(2) != null;
            if (!call && !KEYWORDS.contains(identifier.toLowerCase(java.util.Locale.ROOT))) {
                names.add(identifier);
            }
        }
        return names;
    }

    public static List<Path> files(Path directory, String suffix) {
        try (Stream<Path> paths = Files.list(directory)) {
            return paths.filter(path -> path.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rules file text with one recording rule per expression, for {@code promtool check rules}. */
    static String asRecordingRules(Map<String, String> expressions) {
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        int i = 0;
        for (String expression : expressions.values()) {
            rules.append("      - record: leti:dashboard_query_").append(i++).append('\n')
                    .append("        expr: ").append(Jsonl.MAPPER.writeValueAsString(expression)).append('\n');
        }
        return rules.toString();
    }

    static List<String> missing(Set<String> names, Set<String> exported) {
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (!exported.contains(name)) {
                missing.add(name);
            }
        }
        return missing;
    }
}
