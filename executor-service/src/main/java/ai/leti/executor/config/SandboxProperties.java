package ai.leti.executor.config;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import ai.leti.sandbox.Isolation;
import ai.leti.sandbox.SandboxSettings;

/** {@code leti.sandbox.*}: how programs are isolated and limited. */
@Validated
@ConfigurationProperties("leti.sandbox")
public record SandboxProperties(
        @NotNull @DefaultValue("/usr/bin/python3") Path python,
        @Min(1) @Max(256) @DefaultValue("2") int workers,
        @NotNull @DefaultValue("5s") Duration timeout,
        @NotNull @DefaultValue("bwrap") Isolation isolation,
        @DefaultValue("true") boolean seccomp,
        @Min(64L << 20) @DefaultValue("1073741824") long memoryBytes,
        @Min(1) @DefaultValue("64") int maxProcesses,
        @Min(1024) @DefaultValue("1048576") long maxOutputBytes,
        @Min(16) @DefaultValue("64") int maxOpenFiles,
        @Min(1L << 20) @DefaultValue("268435456") long scratchBytes,
        @Min(1000) @DefaultValue("61000") int sandboxUidBase,
        @NotNull @DefaultValue("1s") Duration deprioritizeAfter,
        @NotNull @DefaultValue("30s") Duration startTimeout,
        @NotBlank @DefaultValue(SandboxSettings.DEFAULT_DOCKER_IMAGE) String dockerImage,
        @DefaultValue("") String dockerRuntime) {

    public SandboxSettings toSettings() {
        return new SandboxSettings(python, workers, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage,
                dockerRuntime, true, null);
    }
}
