package ai.leti.trainer.api;

import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import ai.leti.trainer.checkpoint.CheckpointStore;

/** Serves published checkpoint files to the generator, which checks each against the announced sha256. */
@RestController
class CheckpointController {

    private final CheckpointStore store;

    CheckpointController(CheckpointStore store) {
        this.store = store;
    }

    @GetMapping("/checkpoints/{runId}/{iteration}/{file}")
    ResponseEntity<?> file(@PathVariable String runId, @PathVariable int iteration, @PathVariable String file) {
        return store.file(runId, iteration, file)
                .<ResponseEntity<?>>map(path -> ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .contentLength(path.toFile().length()).body(new FileSystemResource(path)))
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND).body(ProblemDetail.forStatusAndDetail(
                        HttpStatus.NOT_FOUND, "no checkpoint file " + file + " for run " + runId + " iteration " + iteration)));
    }
}
