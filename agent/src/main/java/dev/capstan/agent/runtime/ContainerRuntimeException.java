package dev.capstan.agent.runtime;

/** A runtime operation failed; the message says which object and why. */
public class ContainerRuntimeException extends RuntimeException {
  public ContainerRuntimeException(String message) {
    super(message);
  }

  public ContainerRuntimeException(String message, Throwable cause) {
    super(message, cause);
  }
}
