package ai.leti.generator.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;

/**
 * The beans of each role of {@code leti.generator.roles}: a coordinator's (REST, runs, their Kafka side) and a
 * sampler's (the work listener, its model). One process may have both (the default).
 */
public final class Roles {

    private static final String ROLES = "'${leti.generator.roles:coordinator,sampler}'.toLowerCase()";

    private Roles() {
    }

    /** Present in a run coordinator. */
    @Target({ElementType.TYPE, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @ConditionalOnExpression(ROLES + ".contains('coordinator')")
    public @interface Coordinator {
    }

    /** Present in a sampler. */
    @Target({ElementType.TYPE, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @ConditionalOnExpression(ROLES + ".contains('sampler')")
    public @interface Sampler {
    }
}
