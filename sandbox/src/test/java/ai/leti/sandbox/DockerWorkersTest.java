package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/** The Docker backend's container, as it is asked of the engine (runs without Docker; DockerSandboxIT runs with it). */
class DockerWorkersTest {

    private final SandboxSettings settings = SandboxSettings.defaults().withDocker("leti/sandbox-python:0.1.0", "runsc");

    @Test
    void isolatesEachWorkerContainer() {
        HostConfig host = DockerWorkers.hostConfig(settings);
        assertThat(host.getNetworkMode()).isEqualTo("none");
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(host.getCapAdd()).as("what the server needs to start programs under other uids, no more")
                .containsExactlyInAnyOrder(Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.DAC_READ_SEARCH,
                        Capability.FOWNER, Capability.KILL, Capability.SETGID, Capability.SETUID, Capability.SYS_NICE);
        assertThat(host.getSecurityOpts()).containsExactly("no-new-privileges");
        assertThat(host.getMemory()).isEqualTo(settings.memoryBytes() + (256L << 20));
        assertThat(host.getMemorySwap()).as("no swap beyond the memory limit").isEqualTo(host.getMemory());
        assertThat(host.getPidsLimit()).as("gVisor's own threads count there too")
                .isEqualTo(settings.maxProcesses() + 16L + DockerWorkers.GVISOR_THREADS);
        assertThat(DockerWorkers.hostConfig(settings.withDocker("img:1", "")).getPidsLimit()).as("under runc")
                .isEqualTo(settings.maxProcesses() + 16L);
        assertThat(host.getTmpFs()).containsKey("/tmp");
        assertThat(host.getIpcMode()).as("no /dev/shm").isEqualTo("none");
        assertThat(host.getTmpFs().get("/dev/mqueue")).startsWith("ro,");
        assertThat(host.getTmpFs().get("/tmp")).contains("size=" + settings.scratchBytes(), "nosuid", "nodev");
        assertThat(host.getRuntime()).isEqualTo("runsc");
        assertThat(DockerWorkers.hostConfig(settings.withDocker("img:1", "")).getRuntime()).isNull();
        assertThat(DockerWorkers.USER).as("root of the container, to start programs under uids of their own")
                .isEqualTo("0:0");
    }

    @Test
    void runsTheForkServerWithEveryInnerLayerOn() {
        List<String> command = DockerWorkers.command("print('server')", settings, 1);
        assertThat(command.subList(0, 6)).containsExactly("python3", "-I", "-S", "-B", "-c", "print('server')");
        JsonNode config = Jsonl.MAPPER.readTree(command.get(6));
        assertThat(config.get("limits").asBoolean()).isTrue();
        assertThat(config.get("seccomp").asBoolean()).isTrue();
        assertThat(config.get("kill_scope").asString()).isEqualTo("namespace");
        assertThat(config.get("scratch").asString()).isEqualTo("/tmp");
        assertThat(config.get("memory_bytes").asLong()).isEqualTo(settings.memoryBytes());
        assertThat(config.get("uid").asInt()).as("programs never under the server's uid").isEqualTo(61001);
        assertThat(config.get("test_uid").asInt()).isEqualTo(61501);
    }

    @Test
    void dockerSettingsKeepSeccompOn() {
        assertThat(settings.isolation()).isEqualTo(Isolation.DOCKER);
        assertThat(settings.seccomp()).isTrue();
        assertThat(SandboxSettings.defaults().withIsolation(Isolation.DOCKER).seccomp()).isTrue();
    }
}
