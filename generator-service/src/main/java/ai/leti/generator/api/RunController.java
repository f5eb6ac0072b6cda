package ai.leti.generator.api;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.validation.Valid;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import ai.leti.common.runs.RunStatus;
import ai.leti.generator.config.Roles;
import ai.leti.generator.run.LetiRun;
import ai.leti.generator.run.RunRegistry;
import ai.leti.generator.run.RunRequest;
import io.swagger.v3.oas.annotations.Operation;

/** Create, start, stop and follow LETI runs. OpenAPI at {@code /v3/api-docs}, UI at {@code /swagger-ui.html}. */
@Roles.Coordinator
@RestController
@RequestMapping("/runs")
class RunController {

    private final RunRegistry runs;

    RunController(RunRegistry runs) {
        this.runs = runs;
    }

    @Operation(summary = "Create a run (not started)")
    @PostMapping
    ResponseEntity<RunStatus> create(@Valid @RequestBody RunRequest request) {
        LetiRun run = runs.create(request);
        return ResponseEntity.created(URI.create("/runs/" + run.id())).body(run.status());
    }

    @Operation(summary = "Start a created run; 409 while another run holds the model")
    @PostMapping("/{id}/start")
    ResponseEntity<RunStatus> start(@PathVariable String id) {
        return ResponseEntity.accepted().body(runs.start(id).status());
    }

    @Operation(summary = "Stop a run at the next point it can stop")
    @PostMapping("/{id}/stop")
    ResponseEntity<RunStatus> stop(@PathVariable String id) {
        LetiRun run = runs.find(id).orElseThrow(() -> new RunRegistry.UnknownRunException(id));
        run.stop();
        return ResponseEntity.accepted().body(run.status());
    }

    @Operation(summary = "A run's stage, counts, checkpoint and pass@1 so far")
    @GetMapping("/{id}")
    RunStatus status(@PathVariable String id) {
        return runs.find(id).orElseThrow(() -> new RunRegistry.UnknownRunException(id)).status();
    }

    @Operation(summary = "A run's history as JSON lines: each finished iteration and each evaluation (what reports draw)")
    @GetMapping(value = "/{id}/history", produces = "application/x-ndjson")
    ResponseEntity<byte[]> history(@PathVariable String id) throws IOException {
        Path file = runs.find(id).orElseThrow(() -> new RunRegistry.UnknownRunException(id)).historyFile();
        byte[] body = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/x-ndjson")).body(body);
    }

    @Operation(summary = "Every run this generator knows")
    @GetMapping
    List<RunStatus> all() {
        return runs.all().stream().map(LetiRun::status).toList();
    }
}
