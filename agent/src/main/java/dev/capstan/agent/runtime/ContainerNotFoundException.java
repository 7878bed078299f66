package dev.capstan.agent.runtime;

/** The runtime does not know the container or sandbox id it was given. */
public final class ContainerNotFoundException extends ContainerRuntimeException {
  public ContainerNotFoundException(String message) {
    super(message);
  }
}
