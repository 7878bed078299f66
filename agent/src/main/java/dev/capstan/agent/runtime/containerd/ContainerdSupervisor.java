package dev.capstan.agent.runtime.containerd;

import dev.capstan.agent.runtime.SupervisedDaemon;
import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.cri.v1.Cri;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 * command line) is stopped first, because two daemons cannot share one root. The supervising
 * itself is {@link SupervisedDaemon}'s.
 */
public final class ContainerdSupervisor implements AutoCloseable {
  private final ContainerdConfig config;
  private final CriClient probe;
  private SupervisedDaemon daemon;

  private ContainerdSupervisor(ContainerdConfig config) {
    this.config = config;
    this.probe = new CriClient(config.socket());
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
    ContainerdSupervisor s = new ContainerdSupervisor(config);
    try {
      s.daemon = SupervisedDaemon.start(new SupervisedDaemon.Spec("containerd",
          () -> new ProcessBuilder(config.binary().toString(), "--config", config.configFile().toString()),
          config.dataDir().resolve("containerd.pid"), config.logFile(),
          commandLine -> commandLine.contains(config.configFile().toString()), config.socket(), s::answers),
          clock, startTimeout);
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
  public int restarts() {
    return daemon.restarts();
  }

  /** The current containerd process, if one runs. */
  public Optional<ProcessHandle> process() {
    return daemon.process();
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
    if (daemon != null) {
      daemon.close();
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
}
