package ai.leti.system.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The services' jars, as their images carry them (the images copy exactly these): services that only serve. No
 * command line, demo, report or benchmark code, none of the tools' libraries (picocli, XChart, progressbar), and no
 * benchmark script.
 */
class ServiceJarsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @ParameterizedTest
    @ValueSource(strings = {"executor-service", "generator-service", "trainer-service"})
    void carriesNoToolAndNoToolsLibrary(String service) throws IOException {
        Path jar = ROOT.resolve(service).resolve("target").resolve(service + "-0.1.0-SNAPSHOT.jar");
        assertThat(jar).as("packaged before this module runs").exists();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = zip.stream().map(ZipEntry::getName).toList();
            assertThat(names).as("the service's own classes are there").anyMatch(name -> name.startsWith("BOOT-INF/classes/ai/leti/"));
            assertThat(names).as("no tool in %s", service).noneMatch(name -> name.contains("ai/leti/cli/")
                    || name.contains("ai/leti/bench/") || name.contains("/demo/") || name.contains("/report/")
                    || name.matches(".*(Cli|Command|Bench\\w*)\\.class"));
            assertThat(names).as("no tools' library in %s", service).noneMatch(name -> name.startsWith("BOOT-INF/lib/")
                    && name.matches(".*/(picocli|xchart|progressbar|cli-|bench-).*"));
            assertThat(names).as("no benchmark script in %s", service).noneMatch(name -> name.contains("bench/")
                    || name.endsWith("humaneval_baseline.py") || name.endsWith("torch_bench.py"));
        }
    }
}
