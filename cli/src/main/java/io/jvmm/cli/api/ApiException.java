package io.jvmm.cli.api;

/** A refused API request: answered 400 with {@code {"fault_message": message}}, nothing changed. */
final class ApiException extends RuntimeException {
    ApiException(String message) {
        super(message);
    }
}
