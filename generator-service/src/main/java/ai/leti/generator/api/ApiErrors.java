package ai.leti.generator.api;

import java.util.stream.Collectors;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import ai.leti.generator.run.RunRegistry;

/** RFC 9457 problem details for every refusal; the detail names the field, never a stack trace. */
@RestControllerAdvice
class ApiErrors {

    @ExceptionHandler(MethodArgumentNotValidException.class)
    ProblemDetail invalid(MethodArgumentNotValidException e) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage()).sorted().collect(Collectors.joining("; "));
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setTitle("Invalid run parameters");
        return problem;
    }

    @ExceptionHandler(RunRegistry.InvalidRunException.class)
    ProblemDetail invalidRun(RunRegistry.InvalidRunException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
        problem.setTitle("Invalid run parameters");
        problem.setProperty("field", e.field());
        return problem;
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "request body is not a valid run: "
                + (e.getMostSpecificCause() == null ? "unreadable" : e.getMostSpecificCause().getClass().getSimpleName()));
    }

    @ExceptionHandler(RunRegistry.RunConflictException.class)
    ProblemDetail conflict(RunRegistry.RunConflictException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    }

    @ExceptionHandler(RunRegistry.UnknownRunException.class)
    ProblemDetail unknown(RunRegistry.UnknownRunException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    }
}
