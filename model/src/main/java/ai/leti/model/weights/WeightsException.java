package ai.leti.model.weights;

/** A checkpoint that cannot be used as it is: the message names the file, tensor or field and why. */
public class WeightsException extends RuntimeException {

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
