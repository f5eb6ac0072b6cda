package ai.leti.executor.kafka;

/** A candidate message that can never be executed: retrying is pointless, it goes to the dead-letter topic. */
class InvalidCandidateException extends RuntimeException {

    InvalidCandidateException(String message) {
        super(message);
    }
}
