package io.provmark.core.lm;

/**
 * An ONNX model cannot be used: the file is missing or not a valid ONNX model, its inputs or outputs do not
 * have the expected names, types or shapes, or running it failed. The message names the file and the problem.
 */
public class OnnxModelException extends RuntimeException {
    public OnnxModelException(String message) {
        super(message);
    }

    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
