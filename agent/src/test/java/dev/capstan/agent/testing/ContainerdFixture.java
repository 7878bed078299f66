package dev.capstan.agent.testing;

import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.containerd.BusyboxImage;
import dev.capstan.agent.runtime.containerd.ContainerdConfig;
import dev.capstan.agent.runtime.containerd.ContainerdSupervisor;
import dev.capstan.agent.runtime.cri.CriClient;
import dev.capstan.agent.runtime.cri.CriRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real containerd for tests: a {@link ContainerdSupervisor} in a fresh directory under /tmp
 * (short, for the socket path), with its own bridge and a random /24 in 10.244.200-249.0, the
 * busybox image imported, and a {@link CriRuntime} on it. {@link #close()} removes every sandbox,
 * stops containerd, deletes the bridge and the directory.
 *
 * <p>{@link #start()} skips the calling test class (JUnit assumption) unless it runs as root,
 * which containerd and runc need; as root it always runs.
 */
public final class ContainerdFixture implements RuntimeFixture {
  /** The node IP the fixture's runtime reports for host-network pods. */
  public static final String NODE_IP = "127.0.0.1";

  private final Path dir;
  private final String bridge;
  private final ContainerdSupervisor containerd;
  private final CriRuntime runtime;

  private ContainerdFixture(Path dir, String bridge, ContainerdSupervisor containerd, CriRuntime runtime) {
    this.dir = dir;
    this.bridge = bridge;
    this.containerd = containerd;
    this.runtime = runtime;
  }

  public static ContainerdFixture start() throws IOException {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "containerd and runc need root; skipped as " + System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ccri");
    int net = ThreadLocalRandom.current().nextInt(200, 250);
    String bridge = "capcri" + net;
    ContainerdConfig config = ContainerdConfig.of(dir, dir.resolve("c.sock"))
        .withNetwork(bridge, "10.244." + net + ".0/24");
    ContainerdSupervisor containerd = ContainerdSupervisor.start(config, Clock.systemUTC(), Duration.ofSeconds(60));
    Path busybox = dir.resolve("images").resolve("busybox.tar");
    BusyboxImage.write(BusyboxImage.HOST_BUSYBOX, BusyboxImage.REFERENCE, busybox);
    containerd.importer().importArchive(busybox);
    CriRuntime runtime = new CriRuntime(new CriClient(containerd.socket()), NODE_IP, Clock.systemUTC(),
        Duration.ofMillis(200));
    return new ContainerdFixture(dir, bridge, containerd, runtime);
  }

  @Override
  public Path dir() {
    return dir;
  }

  public ContainerdSupervisor containerd() {
    return containerd;
  }

  @Override
  public CriRuntime runtime() {
    return runtime;
  }

  /** A second runtime instance on the same containerd, as a restarted agent would open. */
  @Override
  public CriRuntime newRuntime() {
    return new CriRuntime(new CriClient(containerd.socket()), NODE_IP, Clock.systemUTC(), Duration.ofMillis(200));
  }

  @Override
  public void close() throws Exception {
    try {
      for (PodSandbox s : runtime.listPodSandboxes(Map.of())) {
        runtime.removePodSandbox(s.id());
      }
    } finally {
      runtime.close();
      containerd.close();
      new ProcessBuilder("ip", "link", "delete", bridge).redirectErrorStream(true).start().waitFor();
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
