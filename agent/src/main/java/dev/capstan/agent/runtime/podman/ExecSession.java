package dev.capstan.agent.runtime.podman;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ExecResult;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One libpod exec session run to its end: {@code exec/{id}/start} attached, its output read from
 * Docker's multiplexed stream (frames of an 8-byte header, stream 1 = stdout, 2 = stderr, and a
 * big-endian length), then {@code exec/{id}/json} for the exit code.
 *
 * <p>libpod cannot cancel an exec session, so a command still running at its timeout is killed
 * by its host pid (from the session's inspect; the agent runs beside Podman as root), with its
 * descendants, and the result is {@link ExecResult#TIMED_OUT}.
 */
final class ExecSession {
  private static final Duration POLL = Duration.ofMillis(20);

  private final PodmanClient client;
  private final String what;
  private final String execId;

  ExecSession(PodmanClient client, String what, String execId) {
    this.client = client;
    this.what = what;
    this.execId = execId;
  }

  ExecResult run(ObjectNode startBody, Duration timeout, Duration exitWait) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    AtomicBoolean timedOut = new AtomicBoolean();
    try (UnixHttpClient.StreamingResponse r = client.stream(what + ": exec failed", "POST",
        "/exec/" + execId + "/start", startBody, Duration.ZERO)) {
      CompletableFuture<Void> finished = new CompletableFuture<>();
      if (!timeout.isZero()) {
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
          if (!finished.isDone()) {
            timedOut.set(true);
            kill();
            r.close(); // descendants that escaped the kill may hold the output open
          }
        });
      }
      try {
        demultiplex(r.body(), stdout, stderr);
      } catch (IOException e) {
        if (!timedOut.get()) {
          throw new ContainerRuntimeException(what + ": reading exec output failed: " + e.getMessage(), e);
        }
      } finally {
        finished.complete(null);
      }
    }
    if (timedOut.get()) {
      return new ExecResult(ExecResult.TIMED_OUT, stdout.toByteArray(), stderr.toByteArray());
    }
    return new ExecResult(exitCode(exitWait), stdout.toByteArray(), stderr.toByteArray());
  }

  /** Splits Docker's multiplexed stream into stdout and stderr until it ends. */
  static void demultiplex(InputStream in, ByteArrayOutputStream stdout, ByteArrayOutputStream stderr)
      throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] header = new byte[8];
    while (true) {
      int first = data.read();
      if (first < 0) {
        return;
      }
      header[0] = (byte) first;
      try {
        data.readFully(header, 1, 7);
      } catch (EOFException e) {
        throw new IOException("exec output ended inside a frame header", e);
      }
      int length = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
          | (header[7] & 0xff);
      byte[] payload = new byte[length];
      data.readFully(payload);
      // 0 is stdin echoed back, which an exec without stdin never sends; count it as stdout.
      (header[0] == 2 ? stderr : stdout).write(payload);
    }
  }

  /** The exit code, once Podman recorded it (it may lag the end of the output a little). */
  private int exitCode(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      JsonNode inspect = client.get(what + ": exec session " + execId, "/exec/" + execId + "/json");
      if (!inspect.path("Running").asBoolean(false)) {
        return inspect.path("ExitCode").asInt(-1);
      }
      if (System.nanoTime() - deadline > 0) {
        throw new ContainerRuntimeException(what + ": exec session " + execId + " ended its output but has not exited"
            + " after " + wait.toSeconds() + "s");
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** Kills the exec'd process and its descendants by host pid. */
  private void kill() {
    try {
      int pid = client.get(what + ": exec session " + execId, "/exec/" + execId + "/json").path("Pid").asInt(0);
      if (pid <= 0) {
        return;
      }
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      process.ifPresent(p -> {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      });
    } catch (ContainerRuntimeException e) {
      // The session ended on its own meanwhile, or Podman is gone: nothing left to kill here.
    }
  }
}
