package io.jvmm.images;

/**
 * A step of the image build failed. The message names the step and, where the cause is
 * predictable, the fix ("apt-get not found: ... install these packages by hand: ...").
 */
public final class ImageBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ImageBuildException(String message) {
        super(message);
    }

    public ImageBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
