package dev.capstan.agent;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.RunPaths;
import dev.capstan.agent.runtime.containerd.BusyboxImage;
import dev.capstan.agent.runtime.containerd.ContainerdConfig;
import dev.capstan.agent.runtime.containerd.ContainerdSupervisor;
import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.agent.runtime.cri.CriRuntime;
import dev.capstan.agent.runtime.podman.PodmanClient;
import dev.capstan.agent.runtime.podman.PodmanRuntime;
import dev.capstan.agent.runtime.podman.PodmanService;
import dev.capstan.agent.runtime.podman.PodmanServiceConfig;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The container runtime a node agent runs pods on, opened as the daemons' flags say
 * ({@code --runtime containerd|podman|process}, {@code --containerd-socket PATH},
 * {@code --podman-socket PATH}), with whatever it needs kept alive beside it: for containerd
 * without a socket given, the agent's own containerd under {@code <dataDir>/containerd}
 * ({@link ContainerdSupervisor}); for Podman without a socket given, the agent's own Podman API
 * service under {@code <dataDir>/podman} ({@link PodmanService}).
 *
 * <p>{@link #close()} closes the runtime and stops that containerd or Podman service; running
 * containers are the agent's to stop before.
 */
public final class NodeRuntime implements AutoCloseable {
  /** The runtimes a node can run pods on. */
  public enum Kind {
    CONTAINERD,
    PODMAN,
    PROCESS;

    /** "containerd", "podman" or "process", case-insensitive. */
    public static Kind parse(String name) {
      for (Kind k : values()) {
        if (k.name().equalsIgnoreCase(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException("--runtime: must be containerd, podman or process, got \"" + name + "\"");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final List<Path> RUNC_CANDIDATES =
      List.of(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/runc"), Path.of("/usr/local/sbin/runc"));
  private static final Duration CONTAINERD_START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PODMAN_START_TIMEOUT = Duration.ofSeconds(60);
  /**
   * containerd also listens on the socket's path + ".ttrpc" and refuses any socket path longer
   * than 104 bytes (seen: "unix socket path too long (> 104)" under a deep checkout), so the
   * gRPC socket itself may take 98.
   */
  private static final int MAX_SOCKET_PATH = 104 - ".ttrpc".length();

  private final ContainerRuntime runtime;
  private final ContainerdSupervisor containerd;
  private final PodmanService podman;
  private final String description;

  private NodeRuntime(ContainerRuntime runtime, ContainerdSupervisor containerd, String description) {
    this(runtime, containerd, null, description);
  }

  private NodeRuntime(ContainerRuntime runtime, ContainerdSupervisor containerd, PodmanService podman,
      String description) {
    this.runtime = runtime;
    this.containerd = containerd;
    this.podman = podman;
    this.description = description;
  }

  /**
   * The runtime to use when none is named: containerd where it is usable (see
   * {@link #containerdUnusableBecause()}), else the process runtime.
   */
  public static Kind detect() {
    return containerdUnusableBecause().isEmpty() ? Kind.CONTAINERD : Kind.PROCESS;
  }

  /**
   * Why the agent cannot start its own containerd here, or empty when it can: containerd, runc and
   * the CNI bridge plugin must be installed (Debian: {@code scripts/install-runtime-deps}) and the
   * agent must run as root.
   */
  public static Optional<String> containerdUnusableBecause() {
    return containerdUnusableBecause(ContainerdConfig.DEFAULT_BINARY, "root".equals(System.getProperty("user.name")),
        RUNC_CANDIDATES, ContainerdConfig.DEFAULT_CNI_BIN_DIR);
  }

  static Optional<String> containerdUnusableBecause(Path containerd, boolean root, List<Path> runcCandidates,
      Path cniBinDir) {
    if (!Files.isExecutable(containerd)) {
      return Optional.of(containerd + " is not installed");
    }
    if (!root) {
      return Optional.of("not running as root, which containerd and runc need");
    }
    return runcOrCniMissing(runcCandidates, cniBinDir);
  }

  /** What both container runtimes need below them: runc and the CNI bridge plugin. */
  private static Optional<String> runcOrCniMissing(List<Path> runcCandidates, Path cniBinDir) {
    if (runcCandidates.stream().noneMatch(Files::isExecutable)) {
      return Optional.of("runc is not installed");
    }
    Path bridge = cniBinDir.resolve("bridge");
    if (!Files.isExecutable(bridge)) {
      return Optional.of("the CNI plugins are not installed (" + bridge + " missing)");
    }
    return Optional.empty();
  }

  /**
   * Why the agent cannot start its own Podman service here, or empty when it can: podman, conmon,
   * runc and the CNI bridge plugin must be installed (Debian: {@code scripts/install-runtime-deps})
   * and the agent must run as root (Capstan runs rootful Podman).
   */
  public static Optional<String> podmanUnusableBecause() {
    return podmanUnusableBecause(PodmanServiceConfig.DEFAULT_BINARY, "root".equals(System.getProperty("user.name")),
        PodmanServiceConfig.DEFAULT_CONMON, RUNC_CANDIDATES, PodmanServiceConfig.DEFAULT_CNI_BIN_DIR);
  }

  static Optional<String> podmanUnusableBecause(Path podman, boolean root, Path conmon, List<Path> runcCandidates,
      Path cniBinDir) {
    if (!Files.isExecutable(podman)) {
      return Optional.of(podman + " is not installed");
    }
    if (!root) {
      return Optional.of("not running as root, which the agent's rootful podman needs");
    }
    if (!Files.isExecutable(conmon)) {
      return Optional.of("conmon is not installed (" + conmon + " missing)");
    }
    return runcOrCniMissing(runcCandidates, cniBinDir);
  }

  /**
   * Opens the runtime, without a Podman socket.
   *
   * @see #open(Optional, Path, String, Optional, Optional, Clock, Consumer)
   */
  public static NodeRuntime open(Optional<Kind> kind, Path dataDir, String nodeAddress, Optional<Path> containerdSocket,
      Clock clock, Consumer<String> notices) throws IOException {
    return open(kind, dataDir, nodeAddress, containerdSocket, Optional.empty(), clock, notices);
  }

  /**
   * Opens the runtime.
   *
   * @param kind the runtime; empty means podman when {@code podmanSocket} is given, containerd
   *     when {@code containerdSocket} is, else {@link #detect()}
   * @param dataDir the agent's data dir; runtime state goes below it
   * @param nodeAddress the node's IP: the pod IP of process-runtime and host-network pods
   * @param containerdSocket an existing containerd to use instead of starting the agent's own
   * @param podmanSocket an existing Podman API service to use instead of starting the agent's own
   * @param notices receives one-line messages for the user (what was chosen, warnings)
   * @throws IOException when the agent's containerd or Podman service cannot be started
   */
  public static NodeRuntime open(Optional<Kind> kind, Path dataDir, String nodeAddress, Optional<Path> containerdSocket,
      Optional<Path> podmanSocket, Clock clock, Consumer<String> notices) throws IOException {
    if (containerdSocket.isPresent() && podmanSocket.isPresent()) {
      throw new IllegalArgumentException("--containerd-socket and --podman-socket: give at most one");
    }
    Kind chosen = kind.orElseGet(() -> podmanSocket.isPresent() ? Kind.PODMAN
        : containerdSocket.isPresent() ? Kind.CONTAINERD : detect());
    if (containerdSocket.isPresent() && chosen != Kind.CONTAINERD) {
      throw new IllegalArgumentException("--containerd-socket: only with --runtime containerd, got --runtime " + chosen);
    }
    if (podmanSocket.isPresent() && chosen != Kind.PODMAN) {
      throw new IllegalArgumentException("--podman-socket: only with --runtime podman, got --runtime " + chosen);
    }
    if (chosen == Kind.PODMAN) {
      return openPodman(dataDir, nodeAddress, podmanSocket, clock, notices);
    }
    if (kind.isEmpty() && chosen == Kind.PROCESS) {
      notices.accept("warning: containerd is not usable here (" + containerdUnusableBecause().orElse("?")
          + "; scripts/install-runtime-deps installs what is missing): using the process runtime, which runs"
          + " containers as plain host processes without isolation or images");
    }
    if (chosen == Kind.PROCESS) {
      if (kind.isPresent()) {
        notices.accept("using the process runtime: containers run as plain host processes, without isolation or"
            + " images");
      }
      return new NodeRuntime(new ProcessRuntime(dataDir.resolve("process-runtime"), nodeAddress, clock), null,
          "process");
    }
    if (containerdSocket.isPresent()) {
      CriRuntime cri = new CriRuntime(new CriClient(containerdSocket.get()), nodeAddress, clock);
      notices.accept("using containerd at " + containerdSocket.get());
      return new NodeRuntime(cri, null, "containerd at " + containerdSocket.get());
    }
    Path dir = dataDir.resolve("containerd");
    ContainerdConfig config = ContainerdConfig.of(dir, socketFor(dir));
    ContainerdSupervisor containerd = ContainerdSupervisor.start(config, clock, CONTAINERD_START_TIMEOUT);
    CriRuntime cri;
    try {
      cri = new CriRuntime(new CriClient(config.socket()), nodeAddress, clock);
    } catch (RuntimeException e) {
      containerd.close();
      throw e;
    }
    importBusybox(config.dataDir().resolve("images"), ref -> cri.images().status(ref).isPresent(),
        containerd.importer()::importArchive, notices);
    notices.accept("using the agent's own containerd (socket " + config.socket() + ", pods on " + config.bridge()
        + " " + config.podSubnet() + ", log " + config.logFile() + ")");
    return new NodeRuntime(cri, containerd, "containerd (own, " + config.socket() + ")");
  }

  private static NodeRuntime openPodman(Path dataDir, String nodeAddress, Optional<Path> podmanSocket, Clock clock,
      Consumer<String> notices) throws IOException {
    Path dir = dataDir.resolve("podman");
    if (podmanSocket.isPresent()) {
      PodmanRuntime runtime = new PodmanRuntime(new PodmanClient(podmanSocket.get()), nodeAddress, clock);
      try {
        PodmanService.ensurePauseImage(runtime.images(), dir.resolve("images"));
        importBusybox(dir.resolve("images"), runtime.images()::present, runtime.images()::load, notices);
      } catch (IOException | RuntimeException e) {
        runtime.close();
        throw e;
      }
      notices.accept("using podman at " + podmanSocket.get());
      return new NodeRuntime(runtime, null, null, "podman at " + podmanSocket.get());
    }
    Optional<String> unusable = podmanUnusableBecause();
    if (unusable.isPresent()) {
      throw new IOException("--runtime podman: " + unusable.get() + " (scripts/install-runtime-deps --with-podman"
          + " installs what is missing)");
    }
    PodmanServiceConfig config = PodmanServiceConfig.of(dir, socketFor(dir, "podman.sock"));
    PodmanService service = PodmanService.start(config, clock, PODMAN_START_TIMEOUT);
    PodmanRuntime runtime;
    try {
      runtime = new PodmanRuntime(new PodmanClient(config.socket()), nodeAddress, clock);
      importBusybox(config.dataDir().resolve("images"), runtime.images()::present, runtime.images()::load,
          notices);
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
    notices.accept("using the agent's own podman service (socket " + config.socket() + ", pods on " + config.bridge()
        + " " + config.podSubnet() + ", log " + config.logFile() + ")");
    return new NodeRuntime(runtime, null, service, "podman (own, " + config.socket() + ")");
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /** The agent's own Podman service, if it started one. */
  public Optional<PodmanService> podman() {
    return Optional.ofNullable(podman);
  }

  /** The agent's own containerd, if it started one. */
  public Optional<ContainerdSupervisor> containerd() {
    return Optional.ofNullable(containerd);
  }

  /** "process", "containerd at /run/containerd/containerd.sock", "podman (own, ...)", ... */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    runtime.close();
    if (containerd != null) {
      containerd.close();
    }
    if (podman != null) {
      podman.close();
    }
  }

  /** Loads an image archive into a runtime. */
  @FunctionalInterface
  private interface ArchiveLoader {
    void load(Path archive) throws IOException;
  }

  /**
   * Offline development: where the host has a static busybox, it becomes the image
   * {@code busybox:1.36} unless the runtime already holds one, so manifests using it run without a
   * registry. A failure is a warning: the runtime works without it.
   */
  private static void importBusybox(Path imagesDir, Predicate<String> present, ArchiveLoader loader,
      Consumer<String> notices) {
    try {
      if (!Files.isExecutable(BusyboxImage.HOST_BUSYBOX) || present.test(BusyboxImage.REFERENCE)) {
        return;
      }
      Path archive = imagesDir.resolve("busybox.tar");
      BusyboxImage.write(BusyboxImage.HOST_BUSYBOX, BusyboxImage.REFERENCE, archive);
      loader.load(archive);
      notices.accept("imported " + BusyboxImage.HOST_BUSYBOX + " as the image " + BusyboxImage.REFERENCE);
    } catch (IOException | RuntimeException e) {
      notices.accept("warning: cannot import the offline busybox image: " + e.getMessage());
    }
  }

  /** Where the agent with this data dir has its own Podman service listen (the one it starts). */
  public static Path ownPodmanSocket(Path agentDataDir) {
    return socketFor(agentDataDir.resolve("podman"), "podman.sock");
  }

  /** Where the agent with this data dir has its own containerd listen (the containerd it starts). */
  public static Path ownContainerdSocket(Path agentDataDir) {
    return socketFor(agentDataDir.resolve("containerd"));
  }

  /** containerd's socket under its dir, or under /run when that path would be too long for a Unix socket. */
  static Path socketFor(Path containerdDir) {
    return socketFor(containerdDir, "containerd.sock");
  }

  /**
   * The socket {@code fileName} under {@code runtimeDir}, or one under /run/capstan named after a
   * hash of the dir when that path would be too long for a Unix socket.
   */
  static Path socketFor(Path runtimeDir, String fileName) {
    return RunPaths.shortened(runtimeDir.resolve(fileName), MAX_SOCKET_PATH, runtimeDir, "", ".sock");
  }
}
