package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.SandboxState;
import java.nio.file.Path;
import java.time.Instant;

/** A pod sandbox of the process runtime: a directory on the host; the pod shares the node's network. */
final class ProcessSandbox {
  final String id;
  final PodSandboxConfig config;
  final Path directory;
  final Instant createdAt;
  final String ip;
  private SandboxState state = SandboxState.READY;

  ProcessSandbox(String id, PodSandboxConfig config, Path directory, Instant createdAt, String ip) {
    this.id = id;
    this.config = config;
    this.directory = directory;
    this.createdAt = createdAt;
    this.ip = ip;
  }

  synchronized SandboxState state() {
    return state;
  }

  synchronized void markNotReady() {
    state = SandboxState.NOT_READY;
  }

  synchronized PodSandbox snapshot() {
    return new PodSandbox(id, config, state, createdAt, ip);
  }
}
