package dev.capstan.agent.runtime.podman;

import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.containerd.PauseImage;
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
 * Runs the agent's own Podman API service, as {@code ContainerdSupervisor} runs its containerd:
 * {@link #start} writes the generated {@code containers.conf} and CNI network under the instance's
 * data dir ({@link PodmanServiceConfig}), starts {@code podman system service --time=0} with
 * {@code CONTAINERS_CONF} and {@code TMPDIR} pointing there and its output appended to
 * {@code podman.log}, waits until the API answers, and loads Capstan's pause image.
 *
 * <p>While open, it restarts the service whenever it exits, after a back-off that doubles from
 * 1 s to 30 s (and starts over once an instance ran a minute). Containers survive such restarts:
 * each is kept by its own conmon, not by the service. {@link #close()} stops the service (SIGTERM,
 * SIGKILL after 10 s) but not the containers; the agent stops its pods before.
 *
 * <p>A service left running by a previous agent that died (found through the pid file and its
 * command line) is stopped first, so that one socket has one server.
 */
public final class PodmanService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PodmanService.class);
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MIN_BACK_OFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACK_OFF = Duration.ofSeconds(30);
  private static final Duration STABLE_RUN = Duration.ofMinutes(1);
  private static final Duration POLL = Duration.ofMillis(50);

  private final PodmanServiceConfig config;
  private final Clock clock;
  private final PodmanClient probe;
  private final ScheduledExecutorService restarts;
  private Process process;
  private Instant startedAt;
  private Duration backOff = MIN_BACK_OFF;
  private int restartCount;
  private boolean closed;

  private PodmanService(PodmanServiceConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.probe = new PodmanClient(config.socket());
    this.restarts = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "podman-supervisor");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts the service and returns once its API answers with the pause image loaded.
   *
   * @param startTimeout how long the service may take to answer
   * @throws IOException when the files cannot be written, podman exits or does not answer in time
   *     (the message has the tail of its log), or the pause image cannot be built or loaded
   */
  public static PodmanService start(PodmanServiceConfig config, Clock clock, Duration startTimeout) throws IOException {
    if (!Files.isExecutable(config.binary())) {
      throw new IOException(config.binary() + " not found: install podman (scripts/install-runtime-deps)");
    }
    writeFiles(config);
    PodmanService s = new PodmanService(config, clock);
    try {
      s.stopLeftover();
      synchronized (s) {
        s.launch();
      }
      s.awaitReady(startTimeout);
      ensurePauseImage(new PodmanImages(s.probe), config.dataDir().resolve("images"));
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Loads Capstan's pause image into Podman unless it is there, building its archive under
   * {@code workDir} first (see {@link PauseImage}); every pod's infra container runs it.
   */
  public static void ensurePauseImage(PodmanImages images, Path workDir) throws IOException {
    if (images.present(PauseImage.REFERENCE)) {
      return;
    }
    try {
      images.load(PauseImage.archive(workDir));
    } catch (ContainerRuntimeException e) {
      throw new IOException("cannot load the pause image: " + e.getMessage(), e);
    }
  }

  public PodmanServiceConfig config() {
    return config;
  }

  /** The API socket, for a {@link PodmanClient} or {@code podman --url unix://...}. */
  public Path socket() {
    return config.socket();
  }

  /** How often the service was restarted after it exited. */
  public synchronized int restarts() {
    return restartCount;
  }

  /** The current service process, if one runs. */
  public synchronized Optional<ProcessHandle> process() {
    return process == null || !process.isAlive() ? Optional.empty() : Optional.of(process.toHandle());
  }

  /** Whether the API answers a version call now. */
  public boolean answers() {
    try {
      probe.get("podman version", "/version");
      return true;
    } catch (ContainerRuntimeException e) {
      return false;
    }
  }

  /** Stops supervising and stops the service; containers keep running. Idempotent. */
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
          log.warn("podman service did not stop within {}s of SIGTERM; killing it", STOP_TIMEOUT.toSeconds());
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

  private static void writeFiles(PodmanServiceConfig config) throws IOException {
    for (Path dir : List.of(config.dataDir(), config.root(), config.runRoot(), config.tmpDir(), config.cniConfDir(),
        config.ipamDataDir(), config.socket().getParent())) {
      Files.createDirectories(dir);
    }
    Files.writeString(config.containersConfFile(), config.containersConf());
    Files.writeString(config.conmonWrapper(), config.conmonWrapperScript());
    Files.setPosixFilePermissions(config.conmonWrapper(), java.nio.file.attribute.PosixFilePermissions.fromString(
        "rwxr-xr-x"));
    Files.writeString(config.cniConfDir().resolve(config.networkName() + ".conflist"), config.cniConflist());
  }

  /** Must hold the monitor. */
  private void launch() throws IOException {
    // A socket file left by a killed service would make the new one fail to listen.
    Files.deleteIfExists(config.socket());
    ProcessBuilder b = new ProcessBuilder(config.command())
        // Whatever podman or conmon write relative to their working directory stays in the instance's dir.
        .directory(config.dataDir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(config.logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    b.environment().put("CONTAINERS_CONF", config.containersConfFile().toString());
    // The API stages uploads (images/load) in TMPDIR, not in --tmpdir.
    b.environment().put("TMPDIR", config.tmpDir().toString());
    // podman finds conmon, runc and iptables on PATH; a JVM started oddly may lack sbin.
    String path = System.getenv("PATH");
    b.environment().put("PATH", path == null || path.isEmpty() ? PATH : path + ":" + PATH);
    Process p = b.start();
    process = p;
    startedAt = clock.instant();
    Files.writeString(pidFile(), Long.toString(p.pid()));
    log.info("podman service started (pid {}), socket {}", p.pid(), config.socket());
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
      log.warn("podman service (pid {}) exited with {} after {}s; restarting in {}s (log: {})", p.pid(),
          p.exitValue(), ran.toSeconds(), backOff.toSeconds(), config.logFile());
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
      log.error("cannot restart the podman service: {}", e.toString());
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
        throw new IOException("podman service exited with " + p.exitValue() + " while starting: " + logTail());
      }
      if (Files.exists(config.socket()) && answers()) {
        return;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new IOException("podman service did not answer on " + config.socket() + " within "
            + timeout.toSeconds() + "s: " + logTail());
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  /** Stops a service a dead agent left running on this data dir. */
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
        .filter(h -> h.info().commandLine().map(c -> c.contains("unix://" + config.socket())).orElse(false));
    if (old.isPresent()) {
      log.warn("stopping the podman service (pid {}) left running on {}", pid, config.dataDir());
      old.get().destroy();
      try {
        old.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        old.get().destroyForcibly();
      }
    }
  }

  private Path pidFile() {
    return config.dataDir().resolve("podman.pid");
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
