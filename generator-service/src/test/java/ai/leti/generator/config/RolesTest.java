package ai.leti.generator.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import ai.leti.generator.GeneratorApplication;

/**
 * Each role of {@code leti.generator.roles} starts with its own beans only: a sampler has no REST API and no runs, a
 * coordinator no work listener and no model; the default has both. No broker: listeners and topics stay off.
 */
class RolesTest {

    private static ConfigurableApplicationContext start(String roles, String state) {
        // as arguments, like the stack passes them: above application.yml (default properties are below it)
        java.util.List<String> arguments = new java.util.ArrayList<>(java.util.List.of("--leti.generator.state=target/roles-test/"
                + state, "--spring.kafka.bootstrap-servers=127.0.0.1:1", "--spring.kafka.listener.auto-startup=false",
                "--spring.kafka.admin.auto-create=false"));
        if (roles != null) {
            arguments.add("--leti.generator.roles=" + roles);
        }
        return new SpringApplicationBuilder(GeneratorApplication.class).web(WebApplicationType.NONE)
                .run(arguments.toArray(String[]::new));
    }

    @Test
    void aSamplerHasTheWorkListenerAndNoRuns() {
        try (ConfigurableApplicationContext context = start("sampler", "sampler")) {
            assertThat(context.containsBean("workListener")).isTrue();
            assertThat(context.containsBean("samplerModelHealthIndicator")).isTrue();
            assertThat(context.containsBean("runRegistry")).isFalse();
            assertThat(context.containsBean("runController")).isFalse();
            assertThat(context.containsBean("kafkaSink")).isFalse();
            assertThat(context.containsBean("generatorMetrics")).isFalse();
        }
    }

    @Test
    void aCoordinatorHasTheRunsAndNoWorkListener() {
        try (ConfigurableApplicationContext context = start("coordinator", "coordinator")) {
            assertThat(context.containsBean("runRegistry")).isTrue();
            assertThat(context.containsBean("runController")).isTrue();
            assertThat(context.containsBean("workListener")).isFalse();
            assertThat(context.containsBean("samplerModel")).isFalse();
        }
    }

    @Test
    void byDefaultOneProcessIsBoth() {
        try (ConfigurableApplicationContext context = start(null, "both")) {
            assertThat(context.containsBean("runRegistry")).isTrue();
            assertThat(context.containsBean("workListener")).isTrue();
        }
    }
}
