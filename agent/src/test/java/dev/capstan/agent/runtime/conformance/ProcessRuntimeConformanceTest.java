package dev.capstan.agent.runtime.conformance;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.containerd.BusyboxImage;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The conformance suite on the {@link ProcessRuntime}: scripts run in the host's
 * {@code /bin/busybox sh}, pods share the node's network (127.0.0.1 here) and filesystem.
 */
class ProcessRuntimeConformanceTest extends ContainerRuntimeConformance {
  private static final String NODE_IP = "127.0.0.1";
  private Path stateDir;
  private ContainerRuntime main;

  @Override
  protected ContainerRuntime start() throws Exception {
    stateDir = Files.createTempDirectory("rtconf-process");
    main = reopen();
    return main;
  }

  @Override
  protected ContainerRuntime reopen() {
    return new ProcessRuntime(stateDir, NODE_IP, Clock.systemUTC());
  }

  @Override
  protected void stop() throws Exception {
    if (main != null) {
      main.close();
    }
    if (stateDir != null) {
      try (Stream<Path> walk = Files.walk(stateDir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Override
  protected String nodeIp() {
    return NODE_IP;
  }

  @Override
  protected String image() {
    return "";
  }

  @Override
  protected List<String> shell(String script) {
    // A static busybox runs its own applets before PATH, so scripts see the same tools as in the image.
    return List.of(BusyboxImage.HOST_BUSYBOX.toString(), "sh", "-c", script);
  }

  @Override
  protected Set<RuntimeFeature> declaredFeatures() {
    return EnumSet.of(RuntimeFeature.CONTAINER_EVENTS);
  }
}
