package dev.capstan.agent.runtime.podman;

import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.SupervisedDaemon;
import dev.capstan.agent.runtime.containerd.PauseImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 *
 * <p>The supervising itself is {@link SupervisedDaemon}'s.
 */
public final class PodmanService implements AutoCloseable {
  private final PodmanServiceConfig config;
  private final PodmanClient probe;
  private SupervisedDaemon daemon;

  private PodmanService(PodmanServiceConfig config) {
    this.config = config;
    this.probe = new PodmanClient(config.socket());
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
      throw new IOException(config.binary() + " not found: install podman (scripts/install-runtime-deps --with-podman)");
    }
    writeFiles(config);
    PodmanService s = new PodmanService(config);
    try {
      s.daemon = SupervisedDaemon.start(new SupervisedDaemon.Spec("podman service", () -> launcher(config),
          config.dataDir().resolve("podman.pid"), config.logFile(),
          commandLine -> commandLine.contains("unix://" + config.socket()), config.socket(), s::answers),
          clock, startTimeout);
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
  public int restarts() {
    return daemon.restarts();
  }

  /** The current service process, if one runs. */
  public Optional<ProcessHandle> process() {
    return daemon.process();
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
    if (daemon != null) {
      daemon.close();
    }
    probe.close();
  }

  private static ProcessBuilder launcher(PodmanServiceConfig config) throws IOException {
    // A socket file left by a killed service would make the new one fail to listen.
    Files.deleteIfExists(config.socket());
    ProcessBuilder b = new ProcessBuilder(config.command())
        // Whatever podman or conmon write relative to their working directory stays in the instance's dir.
        .directory(config.dataDir().toFile());
    b.environment().put("CONTAINERS_CONF", config.containersConfFile().toString());
    // The API stages uploads (images/load) in TMPDIR, not in --tmpdir.
    b.environment().put("TMPDIR", config.tmpDir().toString());
    return b;
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
}
