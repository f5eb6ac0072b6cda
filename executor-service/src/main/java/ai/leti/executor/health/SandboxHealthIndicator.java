package ai.leti.executor.health;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import ai.leti.sandbox.SandboxPool;

/** Ready only while at least one sandbox worker is alive; part of the readiness group. */
@Component("sandbox")
class SandboxHealthIndicator implements HealthIndicator {

    private final SandboxPool pool;

    SandboxHealthIndicator(SandboxPool pool) {
        this.pool = pool;
    }

    @Override
    public Health health() {
        int live = pool.liveWorkers();
        int size = pool.callers();
        Health.Builder builder = live > 0 ? Health.up() : Health.down();
        return builder.withDetail("liveWorkers", live).withDetail("workers", size)
                .withDetail("isolation", pool.settings().isolation().name().toLowerCase(java.util.Locale.ROOT))
                .build();
    }
}
