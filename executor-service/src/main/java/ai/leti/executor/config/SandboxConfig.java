package ai.leti.executor.config;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import ai.leti.sandbox.SandboxPool;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({SandboxProperties.class, ExecutorProperties.class})
class SandboxConfig {

    /** Started with the context: a service whose sandbox cannot start refuses to start, naming why. */
    @Bean(destroyMethod = "close")
    SandboxPool sandboxPool(SandboxProperties properties) {
        return SandboxPool.start(properties.toSettings());
    }

    /** The candidate listener's threads ({@code leti.executor.concurrency}, or one per sandbox worker). */
    @Bean
    Integer executorConcurrency(ExecutorProperties properties, SandboxPool pool) {
        return properties.concurrency() > 0 ? properties.concurrency() : pool.callers();
    }
}
