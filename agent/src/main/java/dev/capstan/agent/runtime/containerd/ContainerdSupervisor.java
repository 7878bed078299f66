package dev.capstan.agent.runtime.containerd;

import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.cri.v1.Cri;
import io.grpc.StatusRuntimeException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent's own containerd, as k3s does: {@link #start} writes a generated
 * {@code config.toml} and CNI config under the instance's data dir ({@link ContainerdConfig}),
 * starts {@code containerd --config ...} with its output appended to {@code containerd.log}, waits
 * until its CRI endpoint answers, and imports Capstan's pause image into it.
 *
 * <p>While open, it restarts containerd whenever it exits, after a back-off that doubles from 1 s
 * to 30 s (and starts over once an instance ran a minute). Running containers survive such
 * restarts: their shims do not depend on the daemon. {@link #close()} stops containerd (SIGTERM,
 * SIGKILL after 10 s) but not the containers; the agent stops its pods before.
 *
 * <p>An instance left running by a previous agent that died (found through the pid file and its
 * command line) is stopped first, because two daemons cannot share one root.
 */
public final class ContainerdSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ContainerdSupervisor.class);
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MIN_BACK_OFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACK_OFF = Duration.ofSeconds(30);
  private static final Duration STABLE_RUN = Duration.ofMinutes(1);
  private static final Duration POLL = Duration.ofMillis(50);

  private final ContainerdConfig config;
  private final Clock clock;
  private final CriClient probe;
  private final ScheduledExecutorService restarts;
  private Process process;
  private Instant startedAt;
  private Duration backOff = MIN_BACK_OFF;
  private int restartCount;
  private boolean closed;

  private ContainerdSupervisor(ContainerdConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.probe = new CriClient(config.socket());
    this.restarts = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "containerd-supervisor");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts containerd and returns once it serves CRI with the pause image imported.
   *
   * @param startTimeout how long containerd may take to answer
   * @throws IOException when the files cannot be written, containerd exits or does not answer in
   *     time (the message has the tail of its log), or the pause image cannot be built or imported
   */
  public static ContainerdSupervisor start(ContainerdConfig config, Clock clock, Duration startTimeout)
      throws IOException {
    if (!Files.isExecutable(config.binary())) {
      throw new IOException(config.binary() + " not found: install containerd (scripts/install-runtime-deps)");
    }
    writeFiles(config);
    ContainerdSupervisor s = new ContainerdSupervisor(config, clock);
    try {
      s.stopLeftover();
      synchronized (s) {
        s.launch();
      }
      s.awaitReady(startTimeout);
      new CtrImageImporter(config.socket()).importArchive(PauseImage.archive(config.dataDir().resolve("images")));
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  public ContainerdConfig config() {
    return config;
  }

  /** containerd's gRPC socket, for a {@link CriClient} or {@code ctr -a}. */
  public Path socket() {
    return config.socket();
  }

  /** An importer for images into this instance's CRI namespace. */
  public CtrImageImporter importer() {
    return new CtrImageImporter(config.socket());
  }

  /** How often containerd was restarted after it exited. */
  public synchronized int restarts() {
    return restartCount;
  }

  /** The current containerd process, if one runs. */
  public synchronized Optional<ProcessHandle> process() {
    return process == null || !process.isAlive() ? Optional.empty() : Optional.of(process.toHandle());
  }

  /** Whether containerd answers a CRI Version call now. */
  public boolean answers() {
    try {
      probe.runtime(Duration.ofSeconds(2)).version(Cri.VersionRequest.newBuilder().setVersion("v1").build());
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /** Stops supervising and stops containerd; containers keep running. Idempotent. */
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
          log.warn("containerd did not stop within {}s of SIGTERM; killing it", STOP_TIMEOUT.toSeconds());
          p.destroyForcibly();
          p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(pidFile());
    } catch (IOException e) {
      log.debug("cannot delete {}", pidFile(), e);
    }
    probe.close();
  }

  private static void writeFiles(ContainerdConfig config) throws IOException {
    for (Path dir : List.of(config.dataDir(), config.root(), config.state(), config.cniConfDir(),
        config.ipamDataDir(), config.socket().getParent())) {
      Files.createDirectories(dir);
    }
    Files.writeString(config.configFile(), config.configToml());
    // containerd loads the lexically first conflist; keep ours the only one.
    Files.writeString(config.cniConfDir().resolve("10-capstan.conflist"), config.cniConflist());
  }

  /** Must hold the monitor. */
  private void launch() throws IOException {
    ProcessBuilder b = new ProcessBuilder(config.binary().toString(), "--config", config.configFile().toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(config.logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // containerd finds runc and containerd-shim-runc-v2 on PATH; a JVM started oddly may lack sbin.
    String path = System.getenv("PATH");
    b.environment().put("PATH", path == null || path.isEmpty() ? PATH : path + ":" + PATH);
    Process p = b.start();
    process = p;
    startedAt = clock.instant();
    Files.writeString(pidFile(), Long.toString(p.pid()));
    log.info("containerd started (pid {}), socket {}", p.pid(), config.socket());
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
      log.warn("containerd (pid {}) exited with {} after {}s; restarting in {}s (log: {})", p.pid(), p.exitValue(),
          ran.toSeconds(), backOff.toSeconds(), config.logFile());
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
      log.error("cannot restart containerd: {}", e.toString());
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
        throw new IOException("containerd exited with " + p.exitValue() + " while starting: " + logTail());
      }
      if (Files.exists(config.socket()) && answers()) {
        return;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new IOException("containerd did not answer on " + config.socket() + " within " + timeout.toSeconds()
            + "s: " + logTail());
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** Stops a containerd a dead agent left running on this data dir. */
  private void stopLeftover() throws IOException {
    Path pidFile = pidFile();
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).strip());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> old = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> h.info().commandLine().map(c -> c.contains(config.configFile().toString())).orElse(false));
    if (old.isPresent()) {
      log.warn("stopping containerd (pid {}) left running on {}", pid, config.dataDir());
      old.get().destroy();
      try {
        old.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        old.get().destroyForcibly();
      }
    }
  }

  private Path pidFile() {
    return config.dataDir().resolve("containerd.pid");
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(config.logFile(), StandardCharsets.UTF_8);
      List<String> tail = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 10), lines.size()));
      return String.join("\n", tail);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
