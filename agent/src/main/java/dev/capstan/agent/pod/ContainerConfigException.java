package dev.capstan.agent.pod;

/**
 * A container's spec cannot be turned into a runtime config (a missing ConfigMap key, an unknown
 * field reference). Shown as waiting reason {@code CreateContainerConfigError}.
 */
public final class ContainerConfigException extends RuntimeException {
  public ContainerConfigException(String message) {
    super(message);
  }
}
