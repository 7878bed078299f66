package dev.capstan.agent.runtime.process;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.RuntimeContainer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One container of the process runtime: at most one host process and its log. Guarded by this. */
final class ProcessContainer {
  final String id;
  final String sandboxId;
  final ContainerConfig config;
  final Path logPath;
  final Path workingDir;
  final Instant createdAt;
  /** Completes once the container is EXITED and its log is complete. */
  final CompletableFuture<Void> exited = new CompletableFuture<>();

  private ContainerState state = ContainerState.CREATED;
  private Process process;
  private ProcessSession session;
  private List<Thread> pumps = List.of();
  private CriLogWriter logWriter;
  private Instant startedAt;
  private Instant finishedAt;
  private int exitCode;
  private String reason = "";
  private String message = "";

  ProcessContainer(String id, String sandboxId, ContainerConfig config, Path logPath, Path workingDir,
      Instant createdAt) {
    this.id = id;
    this.sandboxId = sandboxId;
    this.config = config;
    this.logPath = logPath;
    this.workingDir = workingDir;
    this.createdAt = createdAt;
  }

  synchronized ContainerState state() {
    return state;
  }

  synchronized void markRunning(Process process, ProcessSession session, CriLogWriter writer, List<Thread> pumps,
      Instant startedAt) {
    this.process = process;
    this.session = session;
    this.logWriter = writer;
    this.pumps = List.copyOf(pumps);
    this.startedAt = startedAt;
    this.state = ContainerState.RUNNING;
  }

  synchronized void markExited(int exitCode, String reason, String message, Instant finishedAt) {
    this.exitCode = exitCode;
    this.reason = reason;
    this.message = message;
    this.finishedAt = finishedAt;
    if (startedAt == null) {
      startedAt = finishedAt;
    }
    this.state = ContainerState.EXITED;
  }

  synchronized Process process() {
    return process;
  }

  synchronized ProcessSession session() {
    return session;
  }

  synchronized List<Thread> pumps() {
    return pumps;
  }

  synchronized CriLogWriter logWriter() {
    return logWriter;
  }

  synchronized RuntimeContainer snapshot() {
    return new RuntimeContainer(id, sandboxId, config, state, createdAt, startedAt, finishedAt, exitCode, reason,
        message, logPath);
  }
}
