package ai.leti.cli.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.leti.common.json.Jsonl;
import ai.leti.cli.sandbox.hostile.HostileSuite;
import ai.leti.sandbox.SandboxPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "hostile", mixinStandardHelpOptions = true,
        description = "Runs the hostile-program suite through the sandbox and checks from outside that nothing escaped.")
public final class HostileCommand implements Callable<Integer> {

    @Mixin
    SandboxOptions sandbox;

    @Option(names = "--out", description = "Write the report as JSON here.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (sandbox.workers == null) {
            sandbox.workers = 2;
        }
        Path host = Files.createTempDirectory("leti-hostile-");
        HostileSuite.Report report;
        try (SandboxPool pool = SandboxPool.start(sandbox.settings())) {
            report = new HostileSuite(pool, host, System.out).run();
        } finally {
            Files.deleteIfExists(host);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("tried", report.tried());
        summary.put("escapes", report.escapes());
        summary.put("verdicts_matched", report.matched());
        summary.put("slowest_recovery_seconds", report.slowestRecoverySeconds());
        summary.put("programs_per_second_before", report.programsPerSecondBefore());
        summary.put("programs_per_second_after", report.programsPerSecondAfter());
        summary.put("unexpected", report.outcomes().stream().filter(outcome -> !outcome.matched())
                .map(outcome -> outcome.name() + ": " + outcome.verdict().category().tag() + " " + outcome.verdict().feedback())
                .toList());
        System.out.println(Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
        if (out != null) {
            Jsonl.write(out, List.of(summary));
        }
        return report.escapes() == 0 && report.matched() == report.tried() ? 0 : 1;
    }
}
