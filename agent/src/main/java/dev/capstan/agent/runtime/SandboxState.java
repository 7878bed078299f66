package dev.capstan.agent.runtime;

/** A sandbox's state (CRI PodSandboxState). */
public enum SandboxState {
  READY,
  NOT_READY
}
