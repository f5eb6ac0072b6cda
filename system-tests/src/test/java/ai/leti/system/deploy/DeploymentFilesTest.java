package ai.leti.system.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files, checked offline (no cluster, no Docker engine here): the kustomize overlays render and
 * every object parses into its Kubernetes type with no unknown field; the pods' security and probes are what the
 * docs say; images are pinned; the compose file builds from Dockerfiles that exist; Prometheus' config, the alert
 * rules and every dashboard query pass {@code promtool}. That the queries name metrics the services really
 * export is checked against running services in {@code LetiLoopIT}.
 */
class DeploymentFilesTest {

    private static final Path ROOT = MonitoringQueries.ROOT;
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
    /** Custom resources whose types fabric8 does not ship: parsed generically, their fields checked by hand. */
    private static final Set<String> CUSTOM_KINDS = Set.of("ScaledObject");
    private static final Pattern PINNED = Pattern.compile("[^:@\\s]+(:[0-9][^:@\\s]*|:[a-z0-9.-]*[0-9][a-z0-9.-]*)(@sha256:[0-9a-f]{64})?");

    @TempDir
    Path scratch;

    @ParameterizedTest
    @ValueSource(strings = {"local", "gpu"})
    void overlaysRenderIntoWellTypedObjects(String overlay) throws Exception {
        List<HasMetadata> objects = render(ROOT.resolve("k8s/overlays").resolve(overlay));
        assertThat(objects).extracting(HasMetadata::getKind)
                .contains("Namespace", "StatefulSet", "Deployment", "Service", "PersistentVolumeClaim", "NetworkPolicy",
                        "ConfigMap", "ScaledObject");
        for (HasMetadata object : objects) {
            String name = object.getKind() + "/" + object.getMetadata().getName();
            if (CUSTOM_KINDS.contains(object.getKind())) {
                assertThat(object).as(name).isInstanceOf(GenericKubernetesResource.class);
            } else {
                assertThat(object).as(name + " parses into its type").isNotInstanceOf(GenericKubernetesResource.class);
                assertNoUnknownFields(object, name);
            }
            if (!object.getKind().equals("Namespace")) {
                assertThat(object.getMetadata().getNamespace()).as(name).isEqualTo("leti");
            }
        }
        // an unready executor (no live worker) must stay scraped, or the alert for it could never fire
        assertThat(find(objects, io.fabric8.kubernetes.api.model.Service.class, "executor").getSpec()
                .getPublishNotReadyAddresses()).as("executor Service publishes unready pods").isTrue();
        for (String service : List.of("generator", "sampler", "executor", "trainer")) {
            Deployment deployment = find(objects, Deployment.class, service);
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(service).isTrue();
            assertThat(pod.getAutomountServiceAccountToken()).as(service).isFalse();
            Container container = pod.getContainers().get(0);
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).as(service).isEqualTo("/actuator/health/readiness");
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).as(service).isEqualTo("/actuator/health/liveness");
            assertThat(container.getResources().getRequests()).as(service).containsKeys("cpu", "memory");
            assertThat(container.getResources().getLimits()).as(service).containsKeys("cpu", "memory");
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).as(service).isFalse();
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).as(service).isTrue();
            assertThat(container.getSecurityContext().getCapabilities().getDrop()).as(service).containsExactly("ALL");
            assertThat(container.getEnv()).as(service).anySatisfy(env -> {
                assertThat(env.getName()).isEqualTo("SPRING_KAFKA_BOOTSTRAP_SERVERS");
                assertThat(env.getValue()).startsWith("kafka");
            });
            String seccomp = pod.getSecurityContext().getSeccompProfile() != null
                    ? pod.getSecurityContext().getSeccompProfile().getType()
                    : container.getSecurityContext().getSeccompProfile().getType();
            // bubblewrap needs user namespaces, which RuntimeDefault refuses: the executor has its own profile
            assertThat(seccomp).as(service).isEqualTo(service.equals("executor") ? "Localhost" : "RuntimeDefault");
        }
        for (HasMetadata object : objects) {
            for (Container container : containers(object)) {
                assertThat(container.getImage()).as(object.getMetadata().getName() + " image is pinned").matches(PINNED)
                        .doesNotEndWith(":latest");
            }
        }
        StatefulSet kafka = find(objects, StatefulSet.class, "kafka");
        assertThat(kafka.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).startsWith("apache/kafka:");

        NetworkPolicy executorEgress = objects.stream().filter(NetworkPolicy.class::isInstance).map(NetworkPolicy.class::cast)
                .filter(policy -> "executor".equals(policy.getSpec().getPodSelector().getMatchLabels()
                        .get("app.kubernetes.io/name")))
                .findFirst().orElseThrow(() -> new AssertionError("no NetworkPolicy selects the executor pods"));
        assertThat(executorEgress.getSpec().getPolicyTypes()).contains("Egress");
        assertThat(executorEgress.getSpec().getEgress()).as("egress only to Kafka and DNS").hasSizeLessThanOrEqualTo(2)
                .allSatisfy(rule -> assertThat(rule.getPorts()).isNotEmpty());

        // KEDA scales the executors on the candidates' lag and the samplers on the sampling work's; KEDA's HPA owns each
        // count: a count in the Deployment would reset it on every apply
        for (List<String> scaled : List.of(List.of("executor", "leti-executor", "leti.candidates"),
                List.of("sampler", "leti-samplers", "leti.sampling"))) {
            GenericKubernetesResource scaler = objects.stream().filter(o -> o.getKind().equals("ScaledObject"))
                    .map(GenericKubernetesResource.class::cast).filter(o -> o.getMetadata().getName().equals(scaled.get(0)))
                    .findFirst().orElseThrow(() -> new AssertionError("no ScaledObject " + scaled.get(0)));
            Map<String, Object> spec = scaler.get("spec");
            assertThat(scaler.<String>get("spec", "scaleTargetRef", "name")).isEqualTo(scaled.get(0));
            assertThat(spec.get("triggers").toString()).contains("type=kafka", scaled.get(1), scaled.get(2),
                    "bootstrapServers=kafka.leti.svc:9092");
            assertThat(find(objects, Deployment.class, scaled.get(0)).getSpec().getReplicas()).as(scaled.get(0) + " replicas")
                    .isNull();
        }

        // the gpu overlay runs the trainer and the samplers on a GPU with their GPU images (Dockerfiles'
        // MAVEN_PROFILE=gpu); the generator, the run coordinator, samples nothing: CPU and the CPU image everywhere
        for (String service : List.of("trainer", "sampler", "generator")) {
            PodSpec pod = find(objects, Deployment.class, service).getSpec().getTemplate().getSpec();
            Container container = pod.getContainers().get(0);
            String deviceVariable = service.equals("trainer") ? "LETI_TRAINER_DEVICE" : "LETI_GENERATOR_DEVICE";
            String device = container.getEnv().stream().filter(env -> env.getName().equals(deviceVariable))
                    .map(EnvVar::getValue).findFirst()
                    .orElseThrow(() -> new AssertionError(service + " sets no " + deviceVariable));
            if (overlay.equals("gpu") && !service.equals("generator")) {
                assertThat(container.getResources().getLimits()).as(service)
                        .containsEntry("nvidia.com/gpu", new Quantity("1"));
                assertThat(pod.getTolerations()).as(service)
                        .anySatisfy(toleration -> assertThat(toleration.getKey()).isEqualTo("nvidia.com/gpu"));
                assertThat(device).as(service + " " + deviceVariable).isEqualTo("gpu");
                assertThat(container.getImage()).as(service + " runs its GPU image").endsWith("-cu124");
            } else {
                assertThat(container.getResources().getLimits()).as(service).doesNotContainKey("nvidia.com/gpu");
                assertThat(device).as(service + " " + deviceVariable).isEqualTo("cpu");
                assertThat(container.getImage()).as(service).doesNotContain("cu124");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"generator-service", "trainer-service"})
    void djlImagesBuildTheCpuJarByDefaultAndTheGpuProfileOnRequest(String service) throws IOException {
        String dockerfile = Files.readString(ROOT.resolve(service).resolve("Dockerfile"));
        assertThat(resolveArgs("${BASE}", dockerfile)).as(service + " default base").startsWith("debian:");
        assertThat(dockerfile).as(service).containsPattern("(?m)^ARG MAVEN_PROFILE=$")
                .contains("./mvnw -B -q ${MAVEN_PROFILE:+-P$MAVEN_PROFILE} ")
                .contains("--build-arg MAVEN_PROFILE=gpu", "--build-arg BASE=nvidia/cuda:12.4.1-");
        // the profile the build arg names, with the CUDA native of the CUDA 12 base in place of the CPU one
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher gpu = Pattern.compile("(?s)<profile>\\s*(?:<!--.*?-->\\s*)?<id>gpu</id>(.*?)</profile>").matcher(pom);
        assertThat(gpu.find()).as("pom.xml has the profile gpu").isTrue();
        assertThat(gpu.group(1)).contains("<pytorch.native>pytorch-native-cu124</pytorch.native>");
        assertThat(pom).contains("<artifactId>${pytorch.native}</artifactId>",
                "<pytorch.native>pytorch-native-cpu</pytorch.native>");
    }

    /** Docker Compose itself reads the file ({@code docker-compose config}, Debian's Compose 1.29): it validates. */
    @Test
    void dockerComposeValidatesTheComposeFile() throws Exception {
        Path compose = Path.of("/usr/bin/docker-compose");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(compose),
                "docker-compose is not on this machine: ./leti engine installs Debian's docker-compose with the engine");
        Process process = new ProcessBuilder(compose.toString(), "--project-directory", ROOT.toString(), "-f",
                ROOT.resolve("docker-compose.yml").toString(), "config", "--quiet").directory(ROOT.toFile()) // as a user runs it
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("docker-compose config:\n" + output).isZero();
    }

    @Test
    void composeBuildsEveryServiceFromItsDockerfileWithPinnedImagesAndHealthChecks() throws Exception {
        JsonNode compose = new YAMLMapper().readTree(Files.readString(ROOT.resolve("docker-compose.yml")));
        JsonNode services = compose.get("services");
        assertThat(services.propertyNames()).contains("kafka", "generator", "trainer", "executor", "prometheus", "grafana");
        assertThat(services.at("/executor/deploy/replicas").asInt()).isEqualTo(3);
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            String name = service.getKey();
            JsonNode definition = service.getValue();
            if (definition.has("build")) {
                Path dockerfile = ROOT.resolve(definition.at("/build/context").asString(".")).resolve(
                        definition.at("/build/dockerfile").asString("Dockerfile"));
                assertThat(dockerfile).as(name).exists();
            } else {
                assertThat(definition.get("image").asString()).as(name + " image is pinned").matches(PINNED)
                        .doesNotEndWith(":latest");
            }
            for (String dependency : definition.path("depends_on").propertyNames()) {
                assertThat(services.has(dependency)).as(name + " depends on " + dependency).isTrue();
            }
            if (List.of("kafka", "generator", "trainer", "executor").contains(name)) {
                assertThat(definition.has("healthcheck")).as(name + " has a health check").isTrue();
            }
            for (JsonNode volume : definition.path("volumes")) {
                String source = volume.isString() ? volume.asString().split(":")[0] : volume.path("source").asString();
                if (source.startsWith("./")) {
                    assertThat(ROOT.resolve(source)).as(name + " mounts " + source).exists();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"executor-service", "generator-service", "trainer-service"})
    void dockerfilesPinTheirBaseImagesAndRunAsAnUnprivilegedUser(String service) throws IOException {
        String dockerfile = Files.readString(ROOT.resolve(service).resolve("Dockerfile"));
        // FROM an earlier stage (the jar's stages: FROM ${JARS} AS jar) or FROM scratch names no image to pin
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)(?:\\s+(?i:AS)\\s+(\\S+))?").matcher(dockerfile);
        Set<String> stages = new HashSet<>(Set.of("scratch"));
        int bases = 0;
        while (from.find()) {
            String image = resolveArgs(from.group(1), dockerfile);
            if (!stages.contains(image)) {
                assertThat(image).as(service + " FROM " + from.group(1)).matches(PINNED).doesNotEndWith(":latest");
                bases++;
            }
            if (from.group(2) != null) {
                stages.add(from.group(2));
            }
        }
        assertThat(bases).as(service + ": a build stage and a runtime stage").isGreaterThanOrEqualTo(2);
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(dockerfile);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertThat(last).as(service + " runs as").isNotNull().doesNotStartWith("root").doesNotStartWith("0");
        assertThat(dockerfile).as(service).contains("HEALTHCHECK", "/actuator/health/readiness");
        if (service.equals("executor-service")) {
            assertThat(dockerfile).contains("bubblewrap", "python3-seccomp").doesNotContainIgnoringCase("djl");
        }
    }

    /** {@code ${BASE}} in a FROM line, replaced by the ARG's default. */
    private static String resolveArgs(String image, String dockerfile) {
        Matcher reference = Pattern.compile("\\$\\{?([A-Za-z_]+)}?").matcher(image);
        StringBuilder resolved = new StringBuilder();
        while (reference.find()) {
            Matcher arg = Pattern.compile("(?m)^ARG\\s+" + reference.group(1) + "=(\\S+)").matcher(dockerfile);
            if (!arg.find()) {
                fail("FROM " + image + " uses ARG " + reference.group(1) + " without a default");
            }
            reference.appendReplacement(resolved, Matcher.quoteReplacement(arg.group(1)));
        }
        reference.appendTail(resolved);
        return resolved.toString();
    }

    @Test
    void prometheusConfigAndAlertRulesPassPromtool() throws Exception {
        promtool("check", "config", "--syntax-only", MonitoringQueries.MONITORING.resolve("prometheus/prometheus.yml").toString());
        for (Path rules : MonitoringQueries.files(MonitoringQueries.MONITORING.resolve("prometheus/rules"), ".yml")) {
            promtool("check", "rules", rules.toString());
        }
        assertThat(MonitoringQueries.ruleExpressions()).isNotEmpty();
    }

    @Test
    void everyDashboardQueryIsValidPromql() throws Exception {
        Map<String, String> expressions = MonitoringQueries.dashboardExpressions();
        assertThat(MonitoringQueries.files(MonitoringQueries.MONITORING.resolve("grafana/dashboards"), ".json"))
                .extracting(path -> path.getFileName().toString())
                .contains("leti-progress.json", "executor-fleet.json", "trainer.json", "generator.json");
        assertThat(expressions).hasSizeGreaterThan(20);
        Path rules = scratch.resolve("dashboard-queries.yml");
        Files.writeString(rules, MonitoringQueries.asRecordingRules(expressions));
        promtool("check", "rules", rules.toString());
    }

    @Test
    void metricNamesAreReadOutOfQueries() {
        assertThat(MonitoringQueries.metricNames(
                "histogram_quantile(0.95, sum by (le) (rate(leti_executor_run_seconds_bucket{application=\"executor-service\"}[5m])))"))
                .containsExactly("leti_executor_run_seconds_bucket");
        assertThat(MonitoringQueries.metricNames("count(up{job=\"executor\"} == 1) or vector(0)")).containsExactly("up");
        assertThat(MonitoringQueries.metricNames("max by (instance) (kafka_consumer_fetch_manager_records_lag_max) > bool 5"))
                .containsExactly("kafka_consumer_fetch_manager_records_lag_max");
    }

    private static void promtool(String... arguments) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            fail("promtool is missing: ./leti setup installs it (Debian package prometheus)");
        }
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }

    /**
     * An overlay of one's own in another namespace, with the {@code replacements} block the overlays carry (as
     * k8s/README.md says to copy it): every object, the KEDA trigger's broker address and the broker's advertised
     * address follow the namespace; nothing names {@code leti} as a namespace any more.
     */
    @Test
    void anotherNamespaceMovesEveryAddressWithIt() throws Exception {
        String local = Files.readString(ROOT.resolve("k8s/overlays/local/kustomization.yaml"));
        String replacements = local.substring(local.indexOf("\nreplacements:"));
        Path overlay = Files.createDirectories(scratch.resolve("research"));
        Files.writeString(overlay.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "namespace: research", "resources:",
                "  - " + overlay.relativize(ROOT.resolve("k8s/overlays/local"))) + "\n" + replacements);
        List<HasMetadata> objects = render(overlay);
        for (HasMetadata object : objects) {
            String name = object.getKind() + "/" + object.getMetadata().getName();
            assertThat(object.getKind().equals("Namespace") ? object.getMetadata().getName()
                    : object.getMetadata().getNamespace()).as(name).isEqualTo("research");
        }
        List<GenericKubernetesResource> scalers = objects.stream().filter(o -> o.getKind().equals("ScaledObject"))
                .map(GenericKubernetesResource.class::cast).toList();
        assertThat(scalers).hasSize(2).allSatisfy(scaler -> assertThat(scaler.get("spec").toString())
                .as(scaler.getMetadata().getName()).contains("bootstrapServers=kafka.research.svc:9092"));
        List<EnvVar> env = find(objects, StatefulSet.class, "kafka").getSpec().getTemplate().getSpec().getContainers()
                .get(0).getEnv();
        assertThat(env).anySatisfy(variable -> {
            assertThat(variable.getName()).isEqualTo("POD_NAMESPACE");
            assertThat(variable.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        });
        assertThat(env.stream().map(EnvVar::getName).toList()).as("defined before it is used")
                .containsSubsequence("POD_NAMESPACE", "KAFKA_ADVERTISED_LISTENERS");
        assertThat(env).filteredOn(variable -> variable.getName().equals("KAFKA_ADVERTISED_LISTENERS")).singleElement()
                .extracting(EnvVar::getValue).asString().contains(".kafka-headless.$(POD_NAMESPACE).svc");
        for (HasMetadata object : objects) {
            assertThat(KUBERNETES.asYaml(object)).as(object.getKind() + "/" + object.getMetadata().getName())
                    .doesNotContain(".leti.svc");
        }
    }

    /** {@code kubectl kustomize} (offline); each rendered document parsed by fabric8 into its type. */
    private List<HasMetadata> render(Path overlay) throws Exception {
        Path kubectl = Path.of("/usr/bin/kubectl");
        if (!Files.isExecutable(kubectl)) {
            kubectl = Path.of("/usr/local/bin/kubectl");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(kubectl),
                "kubectl is not on this machine: the overlays are rendered where it is (`kubectl kustomize`)");
        Process process = new ProcessBuilder(kubectl.toString(), "kustomize", overlay.toString()).start();
        String rendered = new String(process.getInputStream().readAllBytes());
        String errors = new String(process.getErrorStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("kubectl kustomize " + overlay + "\n" + errors).isZero();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : rendered.split("(?m)^---\\s*$")) {
            if (!document.isBlank()) {
                objects.add(KUBERNETES.unmarshal(document, HasMetadata.class));
            }
        }
        return objects;
    }

    private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static List<Container> containers(HasMetadata object) {
        PodSpec pod = object instanceof Deployment deployment ? deployment.getSpec().getTemplate().getSpec()
                : object instanceof StatefulSet statefulSet ? statefulSet.getSpec().getTemplate().getSpec() : null;
        if (pod == null) {
            return List.of();
        }
        List<Container> all = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            all.addAll(pod.getInitContainers());
        }
        return all;
    }

    /** fabric8 keeps a field its type does not know in {@code additionalProperties}: a typo or a wrong level. */
    private static void assertNoUnknownFields(Object root, String where) {
        walk(root, where, new IdentityHashMap<>());
    }

    private static void walk(Object node, String path, IdentityHashMap<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> collection) {
            int i = 0;
            for (Object item : collection) {
                walk(item, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> walk(value, path + "." + key, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method method : node.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || !method.getName().startsWith("get") || method.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = method.invoke(node);
                if (method.getName().equals("getAdditionalProperties")) {
                    assertThat((Map<?, ?>) value).as(path + " has fields its type does not know").isNullOrEmpty();
                } else {
                    walk(value, path + "." + method.getName().substring(3), seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
