package dev.capstan.agent.runtime;

/**
 * A container's image is missing and could not or may not be pulled; {@link #reason()} is the
 * waiting reason Kubernetes shows for it.
 */
public final class ImagePullException extends ContainerRuntimeException {
  public static final String ERR_IMAGE_PULL = "ErrImagePull";
  public static final String ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull";

  private final String reason;

  public ImagePullException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
