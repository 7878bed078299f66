package dev.capstan.agent.testing;

import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.containerd.BusyboxImage;
import dev.capstan.agent.runtime.podman.PodmanClient;
import dev.capstan.agent.runtime.podman.PodmanRuntime;
import dev.capstan.agent.runtime.podman.PodmanService;
import dev.capstan.agent.runtime.podman.PodmanServiceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Podman for tests: a {@link PodmanService} in a fresh directory under /tmp (short, for the
 * socket path), with its own bridge and a random /24 in 10.243.200-249.0, the busybox image
 * loaded, and a {@link PodmanRuntime} on it. {@link #close()} removes every pod, stops the
 * service, unmounts what Podman's storage left mounted, deletes the bridge and the directory.
 *
 * <p>{@link #start()} skips the calling test class (JUnit assumption) unless it runs as root,
 * which rootful Podman and runc need; as root it always runs.
 */
public final class PodmanFixture implements RuntimeFixture {

  private final Path dir;
  private final String bridge;
  private final PodmanService service;
  private final PodmanRuntime runtime;

  private PodmanFixture(Path dir, String bridge, PodmanService service, PodmanRuntime runtime) {
    this.dir = dir;
    this.bridge = bridge;
    this.service = service;
    this.runtime = runtime;
  }

  public static PodmanFixture start() throws IOException {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
        "rootful podman and runc need root; skipped as " + System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "cpm");
    int net = ThreadLocalRandom.current().nextInt(200, 250);
    String bridge = "cappm" + net;
    PodmanServiceConfig config = PodmanServiceConfig.of(dir, dir.resolve("p.sock"))
        .withNetwork(bridge, "10.243." + net + ".0/24");
    PodmanService service = PodmanService.start(config, Clock.systemUTC(), Duration.ofSeconds(60));
    PodmanRuntime runtime = new PodmanRuntime(new PodmanClient(service.socket()), "127.0.0.1", Clock.systemUTC(),
        Duration.ofMillis(200));
    try {
      Path busybox = dir.resolve("images").resolve("busybox.tar");
      BusyboxImage.write(BusyboxImage.HOST_BUSYBOX, BusyboxImage.REFERENCE, busybox);
      runtime.images().load(busybox);
    } catch (IOException | RuntimeException e) {
      runtime.close();
      service.close();
      throw e;
    }
    return new PodmanFixture(dir, bridge, service, runtime);
  }

  @Override
  public Path dir() {
    return dir;
  }

  public PodmanService service() {
    return service;
  }

  @Override
  public PodmanRuntime runtime() {
    return runtime;
  }

  /** A second runtime instance on the same service, as a restarted agent would open. */
  @Override
  public PodmanRuntime newRuntime() {
    return new PodmanRuntime(new PodmanClient(service.socket()), "127.0.0.1", Clock.systemUTC(),
        Duration.ofMillis(200));
  }

  @Override
  public void close() throws Exception {
    try {
      for (PodSandbox s : runtime.listPodSandboxes(Map.of())) {
        runtime.removePodSandbox(s.id());
      }
    } finally {
      runtime.close();
      service.close();
      new ProcessBuilder("ip", "link", "delete", bridge).redirectErrorStream(true).start().waitFor();
      unmountBelow(dir);
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Podman's overlay storage keeps its own directory mounted; unmount everything below dir, deepest first. */
  private static void unmountBelow(Path dir) throws IOException, InterruptedException {
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && (fields[4].equals(dir.toString()) || fields[4].startsWith(dir + "/"))) {
        mounts.add(fields[4]);
      }
    }
    mounts.sort(Comparator.comparing(String::length).reversed());
    for (String mount : mounts) {
      new ProcessBuilder("umount", "-l", mount).redirectErrorStream(true).start().waitFor();
    }
  }
}
