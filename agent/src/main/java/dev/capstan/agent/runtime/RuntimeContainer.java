package dev.capstan.agent.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A container as the runtime reports it (CRI Container plus ContainerStatus).
 *
 * @param id the runtime's id
 * @param sandboxId the sandbox it belongs to
 * @param config what it was created from
 * @param state its state
 * @param createdAt when it was created
 * @param startedAt when it started; null before
 * @param finishedAt when it exited; null before
 * @param exitCode the exit code once EXITED (killed by signal N: 128+N)
 * @param reason once EXITED: "Completed" (exit 0), "Error", "OOMKilled", "StartError"
 * @param message a human-readable detail, e.g. why it could not start
 * @param logPath the absolute path of its log file
 */
public record RuntimeContainer(
    String id,
    String sandboxId,
    ContainerConfig config,
    ContainerState state,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    int exitCode,
    String reason,
    String message,
    Path logPath) {

  public static final String REASON_COMPLETED = "Completed";
  public static final String REASON_ERROR = "Error";
  public static final String REASON_OOM_KILLED = "OOMKilled";
  public static final String REASON_START_ERROR = "StartError";

  public String name() {
    return config.name();
  }

  public int attempt() {
    return config.attempt();
  }

  public Map<String, String> labels() {
    return config.labels();
  }
}
