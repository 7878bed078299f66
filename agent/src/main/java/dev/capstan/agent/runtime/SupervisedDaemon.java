package dev.capstan.agent.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon the agent starts and keeps running beside it, as k3s does with containerd: the agent's
 * own containerd or Podman service. {@link #start} stops an instance a dead agent left running
 * (found through the pid file and its command line, since two daemons cannot share one state
 * directory), launches the daemon with its output appended to a log file and sbin on its PATH, and
 * returns once it answers.
 *
 * <p>While open, it restarts the daemon whenever it exits, after a back-off that doubles from 1 s
 * to 30 s (and starts over once an instance ran a minute). {@link #close()} stops it (SIGTERM,
 * SIGKILL after 10 s); what the daemon runs (containers, kept by their shims or conmons) is not
 * its business.
 */
public final class SupervisedDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SupervisedDaemon.class);
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MIN_BACK_OFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACK_OFF = Duration.ofSeconds(30);
  private static final Duration STABLE_RUN = Duration.ofMinutes(1);
  private static final Duration POLL = Duration.ofMillis(50);

  /** Prepares the process to start, just before each start (e.g. removes a stale socket). */
  @FunctionalInterface
  public interface Launcher {
    ProcessBuilder prepare() throws IOException;
  }

  /**
   * What to run and how to tell it is up.
   *
   * @param name how logs and errors name it ("containerd", "podman service")
   * @param launcher the process to start; output and input are redirected here
   * @param pidFile where the running instance's pid is kept, for the next agent
   * @param logFile where the daemon's output goes; its tail explains a failed start
   * @param isOurs whether a command line is this instance's, so a leftover is stopped and nothing else
   * @param socket the daemon's socket: it answers only once this exists
   * @param answers whether the daemon serves requests now
   */
  public record Spec(String name, Launcher launcher, Path pidFile, Path logFile, Predicate<String> isOurs, Path socket,
      BooleanSupplier answers) {}

  private final Spec spec;
  private final Clock clock;
  private final ScheduledExecutorService restarts;
  private Process process;
  private Instant startedAt;
  private Duration backOff = MIN_BACK_OFF;
  private int restartCount;
  private boolean closed;

  private SupervisedDaemon(Spec spec, Clock clock) {
    this.spec = spec;
    this.clock = clock;
    this.restarts = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, spec.name().replace(' ', '-') + "-supervisor");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts the daemon and returns once it answers.
   *
   * @throws IOException when it cannot be started, exits, or does not answer within
   *     {@code startTimeout} (the message has the tail of its log)
   */
  public static SupervisedDaemon start(Spec spec, Clock clock, Duration startTimeout) throws IOException {
    SupervisedDaemon d = new SupervisedDaemon(spec, clock);
    try {
      d.stopLeftover();
      synchronized (d) {
        d.launch();
      }
      d.awaitReady(startTimeout);
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** How often the daemon was restarted after it exited. */
  public synchronized int restarts() {
    return restartCount;
  }

  /** The current daemon process, if one runs. */
  public synchronized Optional<ProcessHandle> process() {
    return process == null || !process.isAlive() ? Optional.empty() : Optional.of(process.toHandle());
  }

  /** Stops supervising and stops the daemon. Idempotent. */
  @Override
  public void close() {
    Process p;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      p = process;
    }
    restarts.shutdownNow();
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{} did not stop within {}s of SIGTERM; killing it", spec.name(), STOP_TIMEOUT.toSeconds());
          p.destroyForcibly();
          p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(spec.pidFile());
    } catch (IOException e) {
      log.debug("cannot delete {}", spec.pidFile(), e);
    }
  }

  /** Must hold the monitor. */
  private void launch() throws IOException {
    ProcessBuilder b = spec.launcher().prepare()
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // Daemons find runc, shims, conmon and iptables on PATH; a JVM started oddly may lack sbin.
    String path = System.getenv("PATH");
    b.environment().put("PATH", path == null || path.isEmpty() ? PATH : path + ":" + PATH);
    Process p = b.start();
    process = p;
    startedAt = clock.instant();
    Files.writeString(spec.pidFile(), Long.toString(p.pid()));
    log.info("{} started (pid {}), socket {}", spec.name(), p.pid(), spec.socket());
    p.onExit().thenRun(() -> onExit(p));
  }

  private void onExit(Process p) {
    synchronized (this) {
      if (closed || p != process) {
        return;
      }
      Duration ran = Duration.between(startedAt, clock.instant());
      if (ran.compareTo(STABLE_RUN) >= 0) {
        backOff = MIN_BACK_OFF;
      }
      log.warn("{} (pid {}) exited with {} after {}s; restarting in {}s (log: {})", spec.name(), p.pid(),
          p.exitValue(), ran.toSeconds(), backOff.toSeconds(), spec.logFile());
      Duration delay = backOff;
      backOff = backOff.multipliedBy(2).compareTo(MAX_BACK_OFF) > 0 ? MAX_BACK_OFF : backOff.multipliedBy(2);
      restarts.schedule(this::restart, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void restart() {
    if (closed) {
      return;
    }
    try {
      launch();
      restartCount++;
    } catch (IOException e) {
      log.error("cannot restart {}: {}", spec.name(), e.toString());
      // Try again later: the cause (say, a full disk) may go away.
      restarts.schedule(this::restart, MAX_BACK_OFF.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void awaitReady(Duration timeout) throws IOException {
    Instant deadline = clock.instant().plus(timeout);
    while (true) {
      Process p;
      synchronized (this) {
        p = process;
      }
      if (!p.isAlive()) {
        throw new IOException(spec.name() + " exited with " + p.exitValue() + " while starting: " + logTail());
      }
      if (Files.exists(spec.socket()) && spec.answers().getAsBoolean()) {
        return;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new IOException(spec.name() + " did not answer on " + spec.socket() + " within " + timeout.toSeconds()
            + "s: " + logTail());
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** Stops an instance a dead agent left running on this state directory. */
  private void stopLeftover() throws IOException {
    if (!Files.exists(spec.pidFile())) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(spec.pidFile()).strip());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> old = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().map(spec.isOurs()::test).orElse(false));
    if (old.isPresent()) {
      log.warn("stopping {} (pid {}) left running on {}", spec.name(), pid, spec.pidFile().getParent());
      old.get().destroy();
      try {
        old.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        old.get().destroyForcibly();
      }
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(spec.logFile(), StandardCharsets.UTF_8);
      return String.join("\n", new ArrayList<>(lines.subList(Math.max(0, lines.size() - 10), lines.size())));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
