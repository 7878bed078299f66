package dev.capstan.agent;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.containerd.BusyboxImage;
import dev.capstan.agent.runtime.containerd.ContainerdConfig;
import dev.capstan.agent.runtime.containerd.ContainerdSupervisor;
import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.agent.runtime.cri.CriRuntime;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The container runtime a node agent runs pods on, opened as the daemons' flags say
 * ({@code --runtime containerd|process}, {@code --containerd-socket PATH}), with whatever it
 * needs kept alive beside it: for containerd without a socket given, the agent's own containerd
 * under {@code <dataDir>/containerd} ({@link ContainerdSupervisor}).
 *
 * <p>{@link #close()} closes the runtime and stops that containerd; running containers are the
 * agent's to stop before.
 */
public final class NodeRuntime implements AutoCloseable {
  /** The runtimes a node can run pods on. */
  public enum Kind {
    CONTAINERD,
    PROCESS;

    /** "containerd" or "process", case-insensitive; "podman" is named as not supported yet. */
    public static Kind parse(String name) {
      if ("podman".equalsIgnoreCase(name)) {
        throw new IllegalArgumentException("--runtime: podman is not supported yet; use containerd or process");
      }
      for (Kind k : values()) {
        if (k.name().equalsIgnoreCase(name)) {
          return k;
        }
      }
      throw new IllegalArgumentException("--runtime: must be containerd or process, got \"" + name + "\"");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Duration CONTAINERD_START_TIMEOUT = Duration.ofSeconds(60);
  /**
   * containerd also listens on the socket's path + ".ttrpc" and refuses any socket path longer
   * than 104 bytes (seen: "unix socket path too long (> 104)" under a deep checkout), so the
   * gRPC socket itself may take 98.
   */
  private static final int MAX_SOCKET_PATH = 104 - ".ttrpc".length();

  private final ContainerRuntime runtime;
  private final ContainerdSupervisor containerd;
  private final String description;

  private NodeRuntime(ContainerRuntime runtime, ContainerdSupervisor containerd, String description) {
    this.runtime = runtime;
    this.containerd = containerd;
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
        List.of(Path.of("/usr/sbin/runc"), Path.of("/usr/bin/runc"), Path.of("/usr/local/sbin/runc")),
        ContainerdConfig.DEFAULT_CNI_BIN_DIR);
  }

  static Optional<String> containerdUnusableBecause(Path containerd, boolean root, List<Path> runcCandidates,
      Path cniBinDir) {
    if (!Files.isExecutable(containerd)) {
      return Optional.of(containerd + " is not installed");
    }
    if (!root) {
      return Optional.of("not running as root, which containerd and runc need");
    }
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
   * Opens the runtime.
   *
   * @param kind the runtime; empty means {@link #detect()}
   * @param dataDir the agent's data dir; runtime state goes below it
   * @param nodeAddress the node's IP: the pod IP of process-runtime and host-network pods
   * @param containerdSocket an existing containerd to use instead of starting the agent's own
   * @param notices receives one-line messages for the user (what was chosen, warnings)
   * @throws IOException when the agent's containerd cannot be started
   */
  public static NodeRuntime open(Optional<Kind> kind, Path dataDir, String nodeAddress, Optional<Path> containerdSocket,
      Clock clock, Consumer<String> notices) throws IOException {
    Kind chosen = kind.orElseGet(() -> containerdSocket.isPresent() ? Kind.CONTAINERD : detect());
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
    try {
      importBusybox(containerd, cri, notices);
    } catch (IOException | RuntimeException e) {
      notices.accept("warning: cannot import the offline busybox image: " + e.getMessage());
    }
    notices.accept("using the agent's own containerd (socket " + config.socket() + ", pods on " + config.bridge()
        + " " + config.podSubnet() + ", log " + config.logFile() + ")");
    return new NodeRuntime(cri, containerd, "containerd (own, " + config.socket() + ")");
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /** The agent's own containerd, if it started one. */
  public Optional<ContainerdSupervisor> containerd() {
    return Optional.ofNullable(containerd);
  }

  /** "process", "containerd at /run/containerd/containerd.sock", ... */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    runtime.close();
    if (containerd != null) {
      containerd.close();
    }
  }

  /**
   * Offline development: where the host has a static busybox, it becomes the image
   * {@code busybox:1.36} unless the runtime already holds one, so manifests using it run without a
   * registry.
   */
  private static void importBusybox(ContainerdSupervisor containerd, CriRuntime cri, Consumer<String> notices)
      throws IOException {
    if (!Files.isExecutable(BusyboxImage.HOST_BUSYBOX) || cri.images().status(BusyboxImage.REFERENCE).isPresent()) {
      return;
    }
    Path archive = containerd.config().dataDir().resolve("images").resolve("busybox.tar");
    BusyboxImage.write(BusyboxImage.HOST_BUSYBOX, BusyboxImage.REFERENCE, archive);
    containerd.importer().importArchive(archive);
    notices.accept("imported " + BusyboxImage.HOST_BUSYBOX + " as the image " + BusyboxImage.REFERENCE);
  }

  /** The socket under the data dir, or under /run when that path would be too long for a Unix socket. */
  /** Where the agent with this data dir has its own containerd listen (the containerd it starts). */
  public static Path ownContainerdSocket(Path agentDataDir) {
    return socketFor(agentDataDir.resolve("containerd"));
  }

  static Path socketFor(Path containerdDir) {
    Path socket = containerdDir.toAbsolutePath().resolve("containerd.sock");
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
      return socket;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          containerdDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
      return Path.of("/run/capstan", HexFormat.of().formatHex(digest, 0, 6) + ".sock");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
