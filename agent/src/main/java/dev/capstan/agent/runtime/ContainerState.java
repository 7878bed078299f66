package dev.capstan.agent.runtime;

/** A container's state (CRI ContainerState). */
public enum ContainerState {
  CREATED,
  RUNNING,
  EXITED,
  UNKNOWN
}
